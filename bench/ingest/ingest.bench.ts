/**
 * Ingest throughput: `recordAuditEvents` over HTTP against a raw multi-row INSERT of the same rows
 * with `pg`, measured in the same run. See bench/README.md.
 */
import '../support/production-env';
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openAuditDatabase } from '../../src/modules';
import { ownCpuSeconds, postgresCpuSeconds, settle } from '../support/cpu';
import { attribute, profileDuring, saveProfile } from '../support/cpu-profile';
import { createDatabase, databaseUrl, describeServer, dropDatabase } from '../support/postgres';
import { startBenchServer } from '../support/server';
import { fmt, fmtInt, intFromEnv, loadAverage, machine, median, nowMs, p95 } from '../support/stats';
import { signBenchToken } from '../support/tokens';
import { ensureDataset } from '../history/dataset';
import { makeEvents, multiRowInsertSql, rawRowValues, type EventInput } from './events';
import { childWriters, type Writers } from './child-writers';

const BATCH = intFromEnv('BENCH_BATCH', 500);
const WRITERS = intFromEnv('BENCH_WRITERS', 4);
/** Tenants the writers spread over: writer w writes tenant w mod TENANTS (1: every writer contends for one tenant's head). */
const TENANTS = intFromEnv('BENCH_TENANTS', WRITERS);
const BATCHES_PER_ROUND = intFromEnv('BENCH_BATCHES', 24);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 3);
const WARMUP_BATCHES = intFromEnv('BENCH_WARMUP_BATCHES', WRITERS * 2);
const KEEP = process.env.BENCH_KEEP === '1';
/** What the producer asks back; a producer needs the counts (the events list costs serialisation). */
const SELECTION = process.env.BENCH_SELECTION || 'recorded duplicates';
/**
 * The alert detectors (src/alerts) evaluate committed events in the background of the same process.
 * Unset: the server's default (on, as deployed); BENCH_ALERT_DETECTORS=off measures the write path alone.
 */
const ALERT_DETECTORS = process.env.BENCH_ALERT_DETECTORS;
/** 0: skip the profiled extra round that splits the service's CPU time per batch. */
const PROFILE = process.env.BENCH_PROFILE !== '0';
/**
 * Both databases start as copies of the history bench's dataset (1,100,000 stored events, its ids
 * claimed, reused or built by bench/history/dataset.ts) so that writes meet indexes of a log that
 * has grown; BENCH_PRELOAD=0 starts them empty.
 */
const PRELOAD = process.env.BENCH_PRELOAD !== '0';
const PRELOAD_DB = process.env.BENCH_HISTORY_DB || 'audit_bench_history';
/** For profiling one side alone: `api` or `raw` (the ratio is then not printed). */
const ONLY = process.env.BENCH_ONLY as 'api' | 'raw' | undefined;

const MUTATION = `mutation Record($events: [AuditEventInput!]!) { recordAuditEvents(events: $events) { ${SELECTION} } }`;

/** How the profiled round's CPU is split: each sample goes to the first category found on its stack. */
const INGEST_CATEGORIES: Array<[string, RegExp]> = [
  ['alert evaluation (background, src/alerts)', / src\/alerts\//],
  ['live fan-out (src/live)', / src\/live\//],
  ['complexity plugin: getComplexity', /^getComplexity /],
  ['graphql-js: coercing the 500-event variables for execution', /^(getVariableValues|coerceVariableValues) /],
  [
    'type-graphql: arguments to input class instances',
    /^(convertArgsToInstance|convertArgToInstance|convertToInput|convertToType) /,
  ],
  ['normalizeEvent: canonical content, its sha256, fingerprint', /^(canonicalContent|contentDigest|fingerprint) src/],
  ['normalizeEvent: validation and normalisation', /^normalizeEvent /],
  ['sequenceAndHash: chain hash (sha256 of the digest)', /^(sequenceAndHash|chainHash) /],
  [
    'storeEvents + SQL client work (knex, pg, any caller)',
    / src\/events\/event-store\.ts| (knex|pg|pg-protocol|pg-types|postgres-date|@mikro-orm\/\w+)$/,
  ],
  ['request body JSON.parse (express.json)', / (body-parser|raw-body)$/],
  [
    'graphql-js / Apollo / express, rest of the request',
    / (graphql|@apollo\/server|express|router|type-graphql|graphql-shield|graphql-middleware|graphql-scalars)$/,
  ],
];

interface Batch {
  writer: number;
  events: EventInput[];
  /** The request body, serialised before the clock starts. */
  body: string;
  /** The raw baseline's parameters for the same rows. */
  values: unknown[];
}

interface PhaseResult {
  events: number;
  seconds: number;
  batchMs: number[];
  nodeCpu: number;
  postgresCpu: number;
  /** How long the process and PostgreSQL stayed busy after the last batch (background work the phase caused). */
  settleMs: number;
}

/** Prepares `count` batches, dealt to the writers in turn; sequences per tenant as the service would give them. */
function prepareBatches(round: number, count: number, sequences: Map<string, number>): Batch[] {
  return Array.from({ length: count }, (_, index) => {
    const writer = index % WRITERS;
    const tenant = `bench-tenant-${writer % TENANTS}`;
    const events = makeEvents(round * 100_000 + index + 1, tenant, BATCH);
    const values = events.flatMap((event) => {
      const next = (sequences.get(tenant) ?? 0) + 1;
      sequences.set(tenant, next);
      return rawRowValues(event, next);
    });
    return { writer, events, body: JSON.stringify({ query: MUTATION, variables: { events } }), values };
  });
}

/** The raw baseline's writers: `pg` clients of this process. */
function inProcessWriters(batches: Batch[], send: (batch: Batch) => Promise<void>): Writers {
  return async () => {
    const batchMs: number[] = [];
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        for (const batch of batches.filter((b) => b.writer === writer)) {
          const t0 = nowMs();
          await send(batch);
          batchMs.push(nowMs() - t0);
        }
      }),
    );
    return batchMs;
  };
}

/** Runs one phase: the batches' events, wall time, latencies, and the CPU of this process and of PostgreSQL. */
async function runPhase(batches: Batch[], writers: Writers): Promise<PhaseResult> {
  const cpu0 = ownCpuSeconds();
  const pg0 = postgresCpuSeconds();
  const started = nowMs();
  const batchMs = await writers();
  const seconds = (nowMs() - started) / 1000;
  const nodeCpu = ownCpuSeconds() - cpu0;
  const postgresCpu = postgresCpuSeconds() - pg0;
  return { events: batches.length * BATCH, seconds, batchMs, nodeCpu, postgresCpu, settleMs: await settle() };
}

function sum(results: PhaseResult[]): PhaseResult {
  return {
    events: results.reduce((s, r) => s + r.events, 0),
    seconds: results.reduce((s, r) => s + r.seconds, 0),
    batchMs: results.flatMap((r) => r.batchMs),
    nodeCpu: results.reduce((s, r) => s + r.nodeCpu, 0),
    postgresCpu: results.reduce((s, r) => s + r.postgresCpu, 0),
    settleMs: results.reduce((s, r) => s + r.settleMs, 0),
  };
}

async function main(): Promise<void> {
  const run = randomBytes(4).toString('hex');
  const apiDbName = `audit_bench_ingest_${run}_api`;
  const rawDbName = `audit_bench_ingest_${run}_raw`;
  console.log(`ingest bench: ${machine()}, load average ${loadAverage()}`);
  console.log(
    `batches of ${BATCH} events, ${WRITERS} concurrent writers over ${TENANTS} tenant(s), ` +
      `${ROUNDS} rounds × ${BATCHES_PER_ROUND} batches per side (+ ${WARMUP_BATCHES} warm-up batches)`,
  );

  // Two databases, alike and migrated alike: the service writes one, the raw baseline the other.
  const stored = PRELOAD ? (await ensureDataset(PRELOAD_DB, (line) => console.log(line))).totalEvents : 0;
  await createDatabase(apiDbName, PRELOAD ? PRELOAD_DB : undefined);
  await createDatabase(rawDbName, PRELOAD ? PRELOAD_DB : undefined);
  console.log(
    PRELOAD
      ? `both databases start with ${fmtInt(stored)} stored events (copies of ${PRELOAD_DB})`
      : 'both databases start empty',
  );
  let server: Awaited<ReturnType<typeof startBenchServer>> | undefined;
  const rawClients: Client[] = [];
  try {
    const rawDb = await openAuditDatabase({ url: databaseUrl(rawDbName) });
    await rawDb.migrate();
    await rawDb.close();
    server = await startBenchServer(databaseUrl(apiDbName), ALERT_DETECTORS ? { ALERT_DETECTORS } : {});
    await settle();
    for (let i = 0; i < WRITERS; i++) {
      const client = new Client({ connectionString: databaseUrl(rawDbName) });
      await client.connect();
      rawClients.push(client);
    }
    console.log(await describeServer(rawClients[0]));
    const token = await signBenchToken({ org: 'bench-tenant-0', role: 'SERVICE', sub: 'crm-service' });
    const endpoint = `${server.url}/graphql`;
    const insertSql = multiRowInsertSql(BATCH);

    const viaRaw = (batches: Batch[]) =>
      inProcessWriters(batches, async (batch) => {
        await rawClients[batch.writer].query(insertSql, batch.values);
      });
    /** Runs the phase through the service, its producers loaded in their own process first. */
    const runApiPhase = async (batches: Batch[]) => {
      const writers = await childWriters(endpoint, token, WRITERS, BATCH, batches);
      try {
        return await runPhase(batches, writers);
      } finally {
        writers.close();
      }
    };

    const loadBefore = loadAverage();
    const sequencesApi = new Map<string, number>();
    const warmup = prepareBatches(0, WARMUP_BATCHES, sequencesApi);
    await runPhase(warmup, viaRaw(warmup));
    await runApiPhase(warmup);
    if (ONLY) {
      for (let round = 1; round <= ROUNDS; round++) {
        const batches = prepareBatches(round, BATCHES_PER_ROUND, sequencesApi);
        const result = ONLY === 'api' ? await runApiPhase(batches) : await runPhase(batches, viaRaw(batches));
        console.log(`round ${round}: ${ONLY} ${fmtInt(result.events / result.seconds)} events/s`);
      }
      return;
    }

    const api: PhaseResult[] = [];
    const raw: PhaseResult[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const batches = prepareBatches(round, BATCHES_PER_ROUND, sequencesApi);
      // Alternate which side goes first, so that neither always meets a warmer cache or a busier autovacuum.
      const order = round % 2 === 1 ? (['raw', 'api'] as const) : (['api', 'raw'] as const);
      for (const side of order) {
        if (side === 'api') api.push(await runApiPhase(batches));
        else raw.push(await runPhase(batches, viaRaw(batches)));
      }
      const a = api.at(-1)!;
      const r = raw.at(-1)!;
      console.log(
        `round ${round}: recordAuditEvents ${fmtInt(a.events / a.seconds)} events/s, raw INSERT ${fmtInt(r.events / r.seconds)} events/s`,
      );
    }

    const counts = await Promise.all(
      [apiDbName, rawDbName].map(async (name) => {
        const client = new Client({ connectionString: databaseUrl(name) });
        await client.connect();
        const { rows } = await client.query(
          `SELECT count(*)::int AS n FROM audit_events WHERE tenant_id LIKE 'bench-tenant-%'`,
        );
        await client.end();
        return rows[0].n as number;
      }),
    );
    const expected = (WARMUP_BATCHES + ROUNDS * BATCHES_PER_ROUND) * BATCH;
    if (counts[0] !== expected || counts[1] !== expected)
      throw new Error(`row counts differ from the ${expected} sent: service ${counts[0]}, raw ${counts[1]}`);

    const a = sum(api);
    const r = sum(raw);
    const apiRate = a.events / a.seconds;
    const rawRate = r.events / r.seconds;
    const ratio = apiRate / rawRate;
    const cpu = (p: PhaseResult) =>
      `node ${fmt((p.nodeCpu / p.seconds) * 100, 0)}% / postgres ${fmt((p.postgresCpu / p.seconds) * 100, 0)}% of one core`;
    console.log('');
    console.log('```');
    console.log(`ingest (${machine()}; load average before/after ${loadBefore} / ${loadAverage()})`);
    console.log(
      `  ${fmtInt(a.events)} events per side, batches of ${BATCH}, ${WRITERS} writers, ${TENANTS} tenant(s), ` +
        `alert detectors ${ALERT_DETECTORS ?? 'as configured (on)'}, rows checked: ${counts[0]} = ${counts[1]}, ` +
        `on top of ${fmtInt(stored)} stored events`,
    );
    console.log(
      `  recordAuditEvents (HTTP) ${fmtInt(apiRate).padStart(8)} events/s  batch p50 ${fmt(median(a.batchMs))} ms  p95 ${fmt(p95(a.batchMs))} ms  (${cpu(a)})`,
    );
    console.log(
      `  raw pg multi-row INSERT  ${fmtInt(rawRate).padStart(8)} events/s  batch p50 ${fmt(median(r.batchMs))} ms  p95 ${fmt(p95(r.batchMs))} ms  (${cpu(r)})`,
    );
    console.log(`  ratio ${fmt(ratio, 2)} (target >= 0.50): ${ratio >= 0.5 ? 'MET' : 'MISSED'}`);
    if (a.settleMs > 1000)
      console.log(
        `  after its batches the service stayed busy ${fmt(a.settleMs / 1000)} s in all (background work, e.g. alert evaluation), not counted above`,
      );
    console.log('```');
    console.log('');
    console.log(`README rows (ingest, ${BATCH}-event batches, ${WRITERS} writers, ${ROUNDS} alternating rounds):`);
    console.log('| measure | figure |');
    console.log('| --- | --- |');
    console.log(
      `| \`recordAuditEvents\` over HTTP | ${fmtInt(apiRate)} events/s (batch p50 ${fmt(median(a.batchMs), 0)} ms) |`,
    );
    console.log(`| raw multi-row \`INSERT\` of the same rows with \`pg\`, same run | ${fmtInt(rawRate)} events/s |`);
    console.log(`| ratio (target ≥ 0.5) | ${fmt(ratio, 2)} |`);

    if (PROFILE) {
      // One more round through the service under the sampling profiler (not counted above).
      const batches = prepareBatches(ROUNDS + 1, BATCHES_PER_ROUND, sequencesApi);
      const writers = await childWriters(endpoint, token, WRITERS, BATCH, batches);
      const { result, profile } = await profileDuring(() => runPhase(batches, writers)).finally(writers.close);
      const split = attribute(profile, INGEST_CATEGORIES);
      const file = saveProfile('ingest', profile);
      const busy = split.reduce((sum, [, ms]) => sum + ms, 0);
      console.log('');
      console.log('```');
      console.log(
        `where the service's CPU goes: one profiled round of ${batches.length} batches (${fmtInt(result.events / result.seconds)} events/s under the profiler), ` +
          `${fmt(busy / batches.length)} ms of CPU per ${BATCH}-event batch in this process`,
      );
      for (const [name, ms] of split)
        console.log(
          `  ${name.padEnd(66)} ${fmt(ms / batches.length).padStart(6)} ms a batch  ${fmt((ms / busy) * 100).padStart(5)}%`,
        );
      console.log('```');
      console.log(`profile saved: ${file} (bench/support/summarize-profile.ts lists its heaviest functions)`);
    }
  } finally {
    for (const client of rawClients) await client.end().catch(() => undefined);
    await server?.stop();
    if (KEEP) console.log(`kept databases ${apiDbName} and ${rawDbName}`);
    else {
      await dropDatabase(apiDbName);
      await dropDatabase(rawDbName);
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
