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

const EVENTS = intFromEnv('BENCH_RETENTION_EVENTS', 1_000_000);
/** Built once per size and copied for each run: a dataset of another size is another database. */
const TEMPLATE = `${process.env.BENCH_RETENTION_DB || 'audit_bench_retention'}_${EVENTS}`;
const RUN = `${process.env.BENCH_RETENTION_DB || 'audit_bench_retention'}_run`;
const TENANT = 'retained';
const CHUNK = 250_000;
const MONTH_START = '2010-01-01T00:00:00Z';
const WRITERS = 4;
const BATCH = 100;
const BASELINE_MS = intFromEnv('BENCH_BASELINE_MS', 20_000);
const SEARCH_ROUNDS = intFromEnv('BENCH_ROUNDS', 7);

const ACTIONS = `(VALUES ('UPDATE','RECORD_CHANGE'),('VIEW','DATA_ACCESS'),('CREATE','RECORD_CHANGE'),('LOGIN','SECURITY'),
  ('LOGOUT','SECURITY'),('DELETE','RECORD_CHANGE'),('EXPORT','DATA_EXPORT'),('API_CALL','API_ACCESS'),
  ('CONFIG_CHANGE','CONFIG'),('BULK_UPDATE','BULK_OPERATION'),('LOGIN_FAILED','SECURITY'),('UPDATE','RECORD_CHANGE'),
  ('VIEW','DATA_ACCESS')) AS a(action, category)`;

/** One month of events (January 2010), with the columns a stored event has; hashes are stand-ins (retention does not re-walk the chain). */
const INSERT_CHUNK = `
INSERT INTO audit_events (tenant_id, sequence, id, occurred_at, recorded_at, actor_id, actor_email, actor_type, action, category,
  entity_type, entity_id, changes, changed_fields, source, ip_address, location, metadata, hash)
SELECT $1::text, g.i, md5($1 || ':' || g.i)::uuid, t.at, t.at, 'user-' || (g.i % 300), 'user' || (g.i % 300) || '@example.com',
  'USER', a.action, a.category, (ARRAY['Lead','Contact','Account','Opportunity'])[g.i % 4 + 1], 'r-' || (g.i % 40000),
  jsonb_build_array(jsonb_build_object('field', 'stage', 'oldValue', 'Qualification', 'newValue', 'Proposal ' || (g.i % 50))),
  '{stage}'::text[], (ARRAY['UI','API','IMPORT'])[g.i % 3 + 1], ('10.0.' || (g.i % 200) || '.' || (g.i % 250))::inet,
  jsonb_build_object('country', (ARRAY['FR','US','DE','JP'])[g.i % 4 + 1]), jsonb_build_object('n', g.i), sha256(int8send(g.i))
FROM generate_series($2::bigint, $3::bigint) AS g(i)
CROSS JOIN LATERAL (SELECT $5::timestamptz + (g.i - 1) * (interval '31 days' / $4::int) AS at) t
CROSS JOIN LATERAL (SELECT * FROM ${ACTIONS} OFFSET (g.i % 13) LIMIT 1) a`;

async function ensureTemplate(): Promise<void> {
  if (process.env.BENCH_RETENTION_RELOAD !== '1' && (await databaseExists(TEMPLATE))) return;
  await dropDatabase(TEMPLATE);
  await createDatabase(TEMPLATE);
  const db = await openAuditDatabase({ url: databaseUrl(TEMPLATE) });
  await db.migrate();
  await db.close();
  const client = new Client({ connectionString: databaseUrl(TEMPLATE) });
  await client.connect();
  try {
    await client.query('SELECT audit_ensure_partition($1)', [MONTH_START]);
    for (let lo = 1; lo <= EVENTS; lo += CHUNK) {
      const started = nowMs();
      const hi = Math.min(EVENTS, lo + CHUNK - 1);
      await client.query(INSERT_CHUNK, [TENANT, lo, hi, EVENTS, MONTH_START]);
      console.log(`loaded ${fmtInt(hi)} / ${fmtInt(EVENTS)} (${fmtInt(nowMs() - started)} ms)`);
    }
    await client.query(
      `INSERT INTO audit_log_heads SELECT $1, $2, hash, recorded_at FROM audit_events WHERE tenant_id = $1 AND sequence = $2`,
      [TENANT, EVENTS],
    );
    await client.query('VACUUM ANALYZE audit_events');
  } finally {
    await client.end();
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
  try {
    const writerTokens = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => signBenchToken({ org: `writer-${i}`, role: 'SERVICE', sub: `w${i}` })),
    );
    const admin = await signBenchToken({ org: TENANT, role: 'ADMIN', sub: 'bench-admin' });

    const baseline = startWriters(server, writerTokens);
    await sleep(BASELINE_MS);
    await baseline.stop();
    const loadWithout = loadAverage();

    const sizeBefore = await size();
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

    console.log(`\n${machine()}; other helpers were loading the machine\n${await describeServer(client)}`);
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
    console.log(
      `database size ${fmt(sizeBefore / 2 ** 20)} MB before, ${fmt(sizeAfter / 2 ** 20)} MB after (${fmt((100 * (sizeBefore - sizeAfter)) / sizeBefore)} % given back)`,
    );

    const search = `{ auditEvents(search: "user:user17 action:LOGIN", first: 50, includeArchived: true) { edges { node { id sequence } } pageInfo { hasNextPage } } }`;
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
