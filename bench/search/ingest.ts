/** Ingest over HTTP into two fresh databases alike but for the search indexes, in alternating rounds. */
import { createDatabase, databaseUrl, dropDatabase } from '../support/postgres';
import { startBenchServer, type BenchServer } from '../support/server';
import { fmt, fmtInt, intFromEnv, median, nowMs } from '../support/stats';
import { signBenchToken } from '../support/tokens';
import { makeEvents } from '../ingest/events';
import { Client } from 'pg';

/** The indexes the search migration adds (src/reading/migrations). */
export const SEARCH_INDEXES = ['audit_events_search_tokens_idx', 'audit_events_ip_idx'];

const BATCH = intFromEnv('BENCH_BATCH', 500);
const WRITERS = intFromEnv('BENCH_WRITERS', 4);
const BATCHES_PER_ROUND = intFromEnv('BENCH_BATCHES', 16);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 4);
const MUTATION = `mutation Record($events: [AuditEventInput!]!) { recordAuditEvents(events: $events) { recorded duplicates } }`;

interface Side {
  name: string;
  database: string;
  server: BenchServer;
  rates: number[];
}

async function openSide(name: string, database: string, dropIndexes: boolean): Promise<Side> {
  await dropDatabase(database);
  await createDatabase(database);
  const server = await startBenchServer(databaseUrl(database), { ALERT_DETECTORS: 'off' });
  if (dropIndexes) {
    const client = new Client({ connectionString: databaseUrl(database) });
    await client.connect();
    for (const index of SEARCH_INDEXES) await client.query(`DROP INDEX ${index}`);
    await client.end();
  }
  return { name, database, server, rates: [] };
}

/** WRITERS concurrent producers send the round's batches; events per second. */
async function round(side: Side, token: string, bodies: string[]): Promise<number> {
  const endpoint = `${side.server.url}/graphql`;
  const started = nowMs();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      for (let i = writer; i < bodies.length; i += WRITERS) {
        const send = () =>
          fetch(endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: bodies[i],
          });
        // A kept-alive socket the server closed while the other side ran its round: sent again on a new
        // one (the events carry ids, so a batch that did arrive is not stored twice).
        const response = await send().catch(send);
        const text = await response.text();
        if (!response.ok || text.includes('"errors"')) throw new Error(`ingest failed: ${text.slice(0, 300)}`);
      }
    }),
  );
  return (bodies.length * BATCH) / ((nowMs() - started) / 1000);
}

export async function compareIngest(log: (line: string) => void): Promise<void> {
  const tenant = 'bench-ingest';
  const token = await signBenchToken({ org: tenant, role: 'SERVICE', sub: 'producer' });
  const sides = [
    await openSide('with the search indexes', 'audit_bench_search_ingest_with', false),
    await openSide('without them', 'audit_bench_search_ingest_without', true),
  ];
  try {
    for (let r = 0; r <= ROUNDS; r++) {
      // Each side gets the same events (ids differ by database, so both store them all); round 0 warms up.
      const bodies = Array.from({ length: BATCHES_PER_ROUND }, (_, b) =>
        JSON.stringify({ query: MUTATION, variables: { events: makeEvents(r * 1000 + b + 1, tenant, BATCH) } }),
      );
      for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
        const rate = await round(side, token, bodies);
        if (r > 0) side.rates.push(rate);
      }
    }
    const [withIndexes, without] = sides;
    const ratio = median(withIndexes.rates) / median(without.rates);
    log('');
    log(
      `ingest over HTTP, ${WRITERS} writers × batches of ${BATCH}, ${ROUNDS} rounds of ${fmtInt(BATCHES_PER_ROUND * BATCH)} events per side ` +
        `(alternating, after a warm-up round), both databases starting empty, alert detectors off:`,
    );
    log('| ingest | events/s (median of rounds) | rounds |');
    log('| --- | --- | --- |');
    for (const side of sides)
      log(`| ${side.name} | ${fmtInt(median(side.rates))} | ${side.rates.map((rate) => fmtInt(rate)).join(', ')} |`);
    log(`| ratio with / without (target ≥ 0.85) | ${fmt(ratio, 2)} ${ratio >= 0.85 ? 'MET' : 'MISSED'} | |`);
  } finally {
    for (const side of sides) {
      await side.server.stop();
      await dropDatabase(side.database);
    }
  }
}
