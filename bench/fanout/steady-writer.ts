import type { BenchServer } from '../support/server';

const RECORD = `mutation R($events: [AuditEventInput!]!) { recordAuditEvents(events: $events) {
  events { id sequence recordedAt action entityType entityId actor { id } } } }`;

/** One write every 10 ms: above 100 events/s a write carries several, as a busy writer's would. */
const TICK_MS = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes `rate` events a second for `seconds` through the server's GraphQL endpoint, calling
 * `committed` with each stored event (the raw broadcast sends those). Writes overlap when one
 * takes longer than a tick. Resolves with the number of events written, once all are committed.
 */
export async function writeSteadily(
  server: BenchServer,
  token: string,
  rate: number,
  seconds: number,
  committed: (event: object) => void,
): Promise<number> {
  const total = rate * seconds;
  const start = Date.now();
  const inFlight: Promise<void>[] = [];
  let written = 0;
  for (let tick = 1; written < total; tick += 1) {
    const due = start + tick * TICK_MS;
    if (due > Date.now()) await sleep(due - Date.now());
    const upTo = Math.min(total, Math.floor(((Date.now() - start) * rate) / 1000));
    if (upTo <= written) continue;
    const events = Array.from({ length: upTo - written }, (_, k) => {
      const n = written + k;
      return { actor: { id: `u${n % 50}` }, action: 'VIEW', entityType: 'Bench', entityId: `e${n}` };
    });
    written = upTo;
    inFlight.push(
      server.graphql(RECORD, { events }, token).then((data) => data.recordAuditEvents.events.forEach(committed)),
    );
  }
  await Promise.all(inFlight);
  return total;
}
