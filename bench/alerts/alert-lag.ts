import { postGraphQL, type BenchServer } from '../support/server';
import { intFromEnv, nowMs } from '../support/stats';
import { escalationProbe, makeSecurityEvents } from './security-events';

export const RATE = intFromEnv('BENCH_RATE', 500);
export const LAG_SECONDS = intFromEnv('BENCH_LAG_SECONDS', 20);
const MUTATION = `mutation Record($events: [AuditEventInput!]!) { recordAuditEvents(events: $events) { recorded } }`;

/** Waits until the detectors have evaluated every event recorded so far; returns the seconds waited. */
export async function catchUp(server: BenchServer): Promise<number> {
  const started = nowMs();
  for (;;) {
    const { rows } = await server.db.knex.raw(
      `SELECT count(*)::int AS behind FROM audit_log_heads h LEFT JOIN alert_checkpoints c USING (tenant_id)
       WHERE h.last_sequence > coalesce(c.last_sequence, 0)`,
    );
    if (rows[0].behind === 0) return (nowMs() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Seconds from each probe's commit (recorded_at) to its alert (raised_at). */
export async function alertLag(server: BenchServer, token: string): Promise<number[]> {
  const perTick = Math.max(1, Math.round(RATE / 10));
  const ticks = LAG_SECONDS * 10;
  for (let tick = 0; tick < ticks; tick++) {
    const due = nowMs() + 100;
    const events = makeSecurityEvents(900_000 + tick, 'lag-tenant', perTick - 1).map((event) => ({
      ...event,
      tenantId: 'lag-tenant',
    }));
    void postGraphQL(
      `${server.url}/graphql`,
      MUTATION,
      { events: [...events, escalationProbe('lag-tenant', tick)] },
      token,
    );
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - nowMs())));
  }
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const { rows } = await server.db.knex.raw(
    `SELECT extract(epoch FROM a.raised_at - e.recorded_at) AS lag FROM alerts a
     JOIN alert_events ae ON ae.tenant_id = a.tenant_id AND ae.alert_id = a.id
     JOIN audit_events e ON e.tenant_id = ae.tenant_id AND e.occurred_at = ae.occurred_at AND e.id = ae.event_id
     WHERE a.tenant_id = 'lag-tenant' AND e.entity_id LIKE 'probe-target-%'`,
  );
  if (rows.length < ticks) console.warn(`only ${rows.length} of ${ticks} probes raised an alert`);
  return rows.map((row: { lag: string }) => Number(row.lag));
}
