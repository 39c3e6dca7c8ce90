/**
 * Retention of one month holding 1,000,000 events while 4 writers keep writing (batches of 100 over
 * GraphQL): writer batch p99 during the run against the same load without it (target ≤ 2x), the
 * database size before and after (the month must be given back), then `auditEvents(includeArchived)`
 * over the 1,000,000 archived events, a selective search's first page (target p50 ≤ 2 s).
 */
import '../support/production-env';
import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openAuditDatabase } from '../../src/modules';
import { RETENTION_RUNNER } from '../../src/retention/retention.resolver';
import { createDatabase, databaseExists, databaseUrl, describeServer, dropDatabase } from '../support/postgres';
import { startBenchServer, type BenchServer } from '../support/server';
import { fmt, fmtInt, intFromEnv, loadAverage, machine, median, nowMs, quantile } from '../support/stats';
import { signBenchToken } from '../support/tokens';
import { copyGeneratedEvents } from '../history/generated-events';

const EVENTS = intFromEnv('BENCH_RETENTION_EVENTS', 1_000_000);
/** Built once per size and copied for each run: a dataset of another size is another database. */
const TEMPLATE = `${process.env.BENCH_RETENTION_DB || 'audit_bench_retention'}_${EVENTS}`;
const RUN = `${process.env.BENCH_RETENTION_DB || 'audit_bench_retention'}_run`;
const TENANT = 'retained';
const MONTH_START = new Date('2010-01-01T00:00:00Z');
const MONTH_END = new Date('2010-02-01T00:00:00Z');
const WRITERS = 4;
const BATCH = 100;
const BASELINE_MS = intFromEnv('BENCH_BASELINE_MS', 20_000);
const SEARCH_ROUNDS = intFromEnv('BENCH_ROUNDS', 7);

/**
 * One month of events (January 2010) made and stored as the write path stores them (the history and
 * search benches' loader): real search tokens, a valid chain, idempotency keys. A selective search
 * then finds what it finds live: `user:user.17 field:description`, about 1 event in 1,500.
 */
async function ensureTemplate(): Promise<void> {
  if (process.env.BENCH_RETENTION_RELOAD !== '1' && (await databaseExists(TEMPLATE))) return;
  await dropDatabase(TEMPLATE);
  await createDatabase(TEMPLATE);
  const db = await openAuditDatabase({ url: databaseUrl(TEMPLATE) });
  await db.migrate();
  await db.close();
  const client = new Client({ connectionString: databaseUrl(TEMPLATE) });
  const connections = Array.from({ length: 2 }, () => new Client({ connectionString: databaseUrl(TEMPLATE) }));
  await Promise.all([client, ...connections].map((connection) => connection.connect()));
  try {
    await client.query('SELECT audit_ensure_partition($1)', [MONTH_START]);
    const started = nowMs();
    const span = { tenant: TENANT, total: EVENTS, entities: EVENTS / 20, start: MONTH_START, end: MONTH_END };
    const step = Math.max(1, Math.round(EVENTS / 10));
    const head = await copyGeneratedEvents(connections, span, (done) => {
      if (done % step === 0 || done === EVENTS)
        console.log(`loaded ${fmtInt(done)} / ${fmtInt(EVENTS)} (${fmtInt(nowMs() - started)} ms)`);
    });
    await client.query(
      `INSERT INTO audit_log_heads (tenant_id, last_sequence, last_hash, last_recorded_at)
       VALUES ($1, $2::bigint, decode($3, 'hex'), $4)`,
      [TENANT, head.sequence.toString(), head.hash, head.recordedAt],
    );
    await client.query('VACUUM ANALYZE audit_events');
  } finally {
    await Promise.all([client, ...connections].map((connection) => connection.end()));
  }
}

interface Writers {
  latencies: number[];
  /** Batches refused with an error (the first error's message kept), counted rather than thrown. */
  failures: { count: number; first?: string };
  /** The event loop's delay meanwhile (ns): how long work on the writers' loop held them up. */
  loopDelay: IntervalHistogram;
  stop(): Promise<void>;
}

function startWriters(server: BenchServer, tokens: string[]): Writers {
  const latencies: number[] = [];
  const failures: Writers['failures'] = { count: 0 };
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let running = true;
  const loops = tokens.map(async (token, writer) => {
    let n = 0;
    while (running) {
      const events = Array.from({ length: BATCH }, () => ({
        actor: { id: `writer-${writer}`, email: 'w@example.com' },
        action: 'UPDATE',
        entityType: 'Opportunity',
        entityId: `o-${n++}`,
        changes: [{ field: 'amount', oldValue: n, newValue: n + 1 }],
      }));
      const started = nowMs();
      try {
        await server.graphql(
          `mutation($e: [AuditEventInput!]!) { recordAuditEvents(events: $e) { recorded } }`,
          { e: events },
          token,
        );
      } catch (error) {
        // A kept-alive connection the server closed just as it was reused: sent again, not timed.
        if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNRESET') continue;
        failures.count++;
        failures.first ??= (error as Error).message;
        continue;
      }
      latencies.push(nowMs() - started);
    }
  });
  return {
    latencies,
    failures,
    loopDelay,
    async stop() {
      running = false;
      await Promise.all(loops);
      loopDelay.disable();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  await ensureTemplate();
  await dropDatabase(RUN);
  await createDatabase(RUN, TEMPLATE);
  const archive = await mkdtemp(path.join(tmpdir(), 'audit-bench-archive-'));
  const key = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const server = await startBenchServer(databaseUrl(RUN), {
    ARCHIVE_URL: archive,
    AUDIT_SIGNING_KEY: key,
    RETENTION_INTERVAL: '0',
  });
  const client = new Client({ connectionString: databaseUrl(RUN) });
  await client.connect();
  const size = async () => Number((await client.query(`SELECT pg_database_size(current_database()) AS s`)).rows[0].s);
  /** Every partition of the events and the idempotency keys, with their indexes and TOAST: what the month and the writers take. */
  const relationSizes = async () =>
    new Map<string, number>(
      (
        await client.query<{ name: string; bytes: string }>(
          `SELECT c.oid::regclass::text AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c
           WHERE c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent IN ('audit_events'::regclass, 'audit_event_keys'::regclass))
              OR c.oid IN ('audit_events'::regclass, 'audit_event_keys'::regclass)`,
        )
      ).rows.map((row) => [row.name, Number(row.bytes)]),
    );
  const writersEvents = async () =>
    Number((await client.query(`SELECT count(*) AS n FROM audit_events WHERE tenant_id LIKE 'writer-%'`)).rows[0].n);
  const monthPartition = async () =>
    String(
      (
        await client.query(`SELECT tableoid::regclass::text AS name FROM audit_events WHERE tenant_id = $1 LIMIT 1`, [
          TENANT,
        ])
      ).rows[0].name,
    );
  try {
    const writerTokens = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => signBenchToken({ org: `writer-${i}`, role: 'SERVICE', sub: `w${i}` })),
    );
    const admin = await signBenchToken({ org: TENANT, role: 'ADMIN', sub: 'bench-admin' });

    const baseline = startWriters(server, writerTokens);
    await sleep(BASELINE_MS);
    await baseline.stop();
    const loadWithout = loadAverage();

    const month = await monthPartition();
    const sizeBefore = await size();
    const relationsBefore = await relationSizes();
    const writtenBefore = await writersEvents();
    const during = startWriters(server, writerTokens);
    await sleep(2000);
    const started = nowMs();
    // What applyRetention runs, called directly: a run of minutes would outlive the HTTP server's request timeout.
    const applyRetention = await server.app.services.get(RETENTION_RUNNER)(TENANT);
    const runMs = nowMs() - started;
    await during.stop();
    const loadDuring = loadAverage();
    const duringRun = during.latencies.slice(Math.floor((2000 / (2000 + runMs)) * during.latencies.length));
    await client.query('CHECKPOINT');
    const sizeAfter = await size();
    const relationsAfter = await relationSizes();
    const written = (await writersEvents()) - writtenBefore;
    let othersGrew = 0;
    for (const [name, bytes] of relationsAfter)
      if (name !== month) othersGrew += bytes - (relationsBefore.get(name) ?? 0);

    console.log(`\n${machine()}\n${await describeServer(client)}`);
    console.log(
      `retention of ${fmtInt(EVENTS)} events of one month: ${JSON.stringify(applyRetention)} in ${fmt(runMs / 1000)} s`,
    );
    const p99Base = quantile(baseline.latencies, 0.99);
    const p99Run = quantile(duringRun, 0.99);
    console.log(
      `writer batches (${WRITERS} writers × ${BATCH} events): p99 ${fmt(p99Base)} ms without (${baseline.latencies.length} batches, load average ${loadWithout}), ` +
        `${fmt(p99Run)} ms during the run (${duringRun.length} batches, load average ${loadDuring}): ${fmt(p99Run / p99Base, 2)}x (target ≤ 2x): ${p99Run <= 2 * p99Base ? 'PASS' : 'FAIL'}`,
    );
    const loop = (writers: Writers) =>
      `event loop delay p99 ${fmt(writers.loopDelay.percentile(99) / 1e6)} ms, max ${fmt(writers.loopDelay.max / 1e6)} ms; ` +
      `${writers.failures.count} batches failed${writers.failures.first ? ` (first: ${writers.failures.first.slice(0, 300)})` : ''}`;
    console.log(`without the run: ${loop(baseline)}\nduring the run: ${loop(during)}`);
    const monthBytes = relationsBefore.get(month) ?? 0;
    const givenBack = sizeBefore + othersGrew - sizeAfter;
    console.log(
      `month partition ${month}: ${fmt(monthBytes / 2 ** 20)} MB before, ${relationsAfter.has(month) ? `${fmt(relationsAfter.get(month)! / 2 ** 20)} MB after` : 'dropped'}; ` +
        `database ${fmt(sizeBefore / 2 ** 20)} MB before, ${fmt(sizeAfter / 2 ** 20)} MB after, while the writers' ${fmtInt(written)} events ` +
        `grew the other partitions and keys by ${fmt(othersGrew / 2 ** 20)} MB: ${fmt(givenBack / 2 ** 20)} MB given back ` +
        `(${fmt((100 * givenBack) / monthBytes)} % of the month's)`,
    );

    const search = `{ auditEvents(search: "user:user.17 field:description", first: 50, includeArchived: true) { edges { node { id sequence } } pageInfo { hasNextPage } } }`;
    const searchMs: number[] = [];
    const searchCpuMs: number[] = [];
    let found = 0;
    for (let round = 0; round < SEARCH_ROUNDS; round++) {
      const t = nowMs();
      const cpu = process.cpuUsage();
      const page = await server.graphql<{ auditEvents: { edges: unknown[] } }>(search, {}, admin);
      searchMs.push(nowMs() - t);
      const used = process.cpuUsage(cpu);
      searchCpuMs.push((used.user + used.system) / 1000);
      found = page.auditEvents.edges.length;
    }
    console.log(
      `archive search, selective first page (${found} events): p50 ${fmt(median(searchMs))} ms, first ${fmt(searchMs[0])} ms, ` +
        `all ${searchMs.map((ms) => fmt(ms)).join(', ')} ms; CPU of the process p50 ${fmt(median(searchCpuMs))} ms ` +
        `(load average ${loadAverage()}; target p50 ≤ 2000 ms): ${median(searchMs) <= 2000 ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    await client.end();
    await server.stop();
    await rm(archive, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
