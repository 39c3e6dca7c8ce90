/**
 * Where the JetStream consumer's CPU goes while it drains a backlog: the server in this process
 * under the sampling profiler, split by category, with this process's and PostgreSQL's CPU per
 * event. See bench/README.md.
 */
import '../support/production-env';
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { PerformanceObserver } from 'node:perf_hooks';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { openAuditDatabase } from '../../src/modules';
import { ensureStreamAndConsumer } from '../../src/jetstream/ingest-consumer';
import { ingestSubjects } from '../../src/jetstream/subjects';
import { makeEvents, multiRowInsertSql, rawRowValues, type EventInput } from '../ingest/events';
import { attribute, profileDuring, saveProfile } from '../support/cpu-profile';
import { backendCpu, cpuSince, ownCpuSeconds } from '../support/cpu';
import { createDatabase, databaseUrl, dropDatabase } from '../support/postgres';
import { startBenchServer } from '../support/server';
import { fmt, fmtInt, intFromEnv, loadAverage, machine, nowMs } from '../support/stats';

const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';
const MESSAGE_EVENTS = intFromEnv('BENCH_MESSAGE_EVENTS', 100);
const EVENTS = intFromEnv('BENCH_ROUND_EVENTS', 16_000);
const TENANTS = intFromEnv('BENCH_TENANTS', 4);
const PREFIX = process.env.BENCH_DB_PREFIX || 'audit_bench_drainprof';
/** More settings of the subgraph, as `KEY=value` separated by spaces (`ALERT_DETECTORS=off`): one change measured at a time. */
const SUBGRAPH_ENV = Object.fromEntries(
  (process.env.BENCH_SUBGRAPH_ENV ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((setting) => {
      const at = setting.indexOf('=');
      if (at < 1) throw new Error(`BENCH_SUBGRAPH_ENV: "${setting}" is not KEY=value`);
      return [setting.slice(0, at), setting.slice(at + 1)];
    }),
);

const CATEGORIES: Array<[string, RegExp]> = [
  ['alert evaluation (src/alerts)', / src\/alerts\//],
  ['live fan-out (src/live)', / src\/live\//],
  ['streams (src/streams)', / src\/streams\//],
  ['decoding: JSON.parse and input coercion (src/jetstream/decode-message)', / src\/jetstream\/decode-message/],
  ['digestEvent: canonical content, its sha256, fingerprint', /^digestEvent src/],
  ['draftEvent: validation and normalisation', /^draftEvent src/],
  ['sequenceAndHash: chain hash', /^sequenceAndHash src/],
  ['COPY lines: made and encoded (eventRow, keyRow, encodeLines)', /^(eventRow|keyRow|encodeLines) src/],
  [
    'storeEvents + SQL client (knex, pg)',
    / src\/events\/event-store\.ts| (knex|pg|pg-protocol|pg-types|postgres-date|pg-copy-streams|@mikro-orm\/\w+)$/,
  ],
  ['NATS client (@nats-io)', / @nats-io\//],
  ['consumer loop (src/jetstream)', / src\/jetstream\//],
];

/** The bench's baseline on the same rows: 500-row multi-row INSERTs from 4 clients, with its backends' CPU. */
async function rawInsert(database: string, events: EventInput[]) {
  const clients = await Promise.all(
    Array.from({ length: 4 }, async () => {
      const client = new Client({ connectionString: databaseUrl(database) });
      await client.connect();
      return client;
    }),
  );
  const sequences = new Map<string, number>();
  const batches: unknown[][] = [];
  for (let start = 0; start < events.length; start += 500)
    batches.push(
      events.slice(start, start + 500).flatMap((event) => {
        const next = (sequences.get(event.tenantId) ?? 0) + 1;
        sequences.set(event.tenantId, next);
        return rawRowValues(event, next);
      }),
    );
  const sql = multiRowInsertSql(500);
  const before = await backendCpu(clients[0], database);
  const started = nowMs();
  await Promise.all(
    clients.map(async (client, w) => {
      for (let b = w; b < batches.length; b += clients.length) await client.query(sql, batches[b]);
    }),
  );
  const seconds = (nowMs() - started) / 1000;
  const pg = cpuSince(before, await backendCpu(clients[0], database));
  for (const client of clients) await client.end();
  return { rate: events.length / seconds, pg };
}

async function main(): Promise<void> {
  const run = randomBytes(3).toString('hex');
  const db = `${PREFIX}_${run}`;
  const prefix = `auditprof_${run}`;
  const stream = `AUDIT_PROF_${run}`;
  const env = {
    ...SUBGRAPH_ENV,
    NATS_URL,
    NATS_STREAM: stream,
    NATS_SUBJECT_PREFIX: prefix,
    NATS_CONSUMER: `prof-${run}`,
  };
  const nc = await connect({ servers: NATS_URL });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  await ensureStreamAndConsumer(jsm, {
    stream,
    durable: env.NATS_CONSUMER,
    subjects: ingestSubjects(prefix),
    ackWaitMs: 30_000,
    pullAhead: 4000,
  });
  const rawDb = `${db}_raw`;
  await createDatabase(db);
  await createDatabase(rawDb);
  const rawDatabase = await openAuditDatabase({ url: databaseUrl(rawDb) });
  await rawDatabase.migrate();
  await rawDatabase.close();
  const database = await openAuditDatabase({ url: databaseUrl(db) });
  await database.migrate();
  await database.close();
  const watch = new Client({ connectionString: databaseUrl(db) });
  await watch.connect();
  try {
    const pending: Array<Promise<unknown>> = [];
    const all: EventInput[] = [];
    for (let m = 0; m < EVENTS / MESSAGE_EVENTS; m++) {
      const tenant = `bench-tenant-${m % TENANTS}`;
      const message = makeEvents(m * 1000, tenant, MESSAGE_EVENTS);
      all.push(...message);
      pending.push(js.publish(`${prefix}.events.${tenant}`, JSON.stringify(message), { timeout: 30_000 }));
      if (pending.length >= 64) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    const raw = await rawInsert(rawDb, all);
    const count = async () =>
      (await watch.query(`SELECT coalesce(sum(last_sequence), 0)::int AS n FROM audit_log_heads`)).rows[0].n as number;
    const loadBefore = loadAverage();
    const server = await startBenchServer(databaseUrl(db), env);
    const PROFILE = process.env.BENCH_PROFILE !== '0';
    let gcMs = 0;
    const gcWatch = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) gcMs += entry.duration;
    });
    const measure = async () => {
      while ((await count()) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      gcWatch.observe({ entryTypes: ['gc'] });
      const started = { at: nowMs(), own: ownCpuSeconds(), pg: await backendCpu(watch, db), n: await count() };
      let n = started.n;
      while (n < EVENTS) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        n = await count();
      }
      const events = n - started.n;
      gcWatch.disconnect();
      return {
        events,
        gcMs,
        seconds: (nowMs() - started.at) / 1000,
        own: ownCpuSeconds() - started.own,
        pg: cpuSince(started.pg, await backendCpu(watch, db)),
      };
    };
    const { result, profile } = PROFILE ? await profileDuring(measure) : { result: await measure(), profile: null };
    await server.stop();
    const split = profile ? attribute(profile, CATEGORIES) : [];
    const busy = split.reduce((sum, [, ms]) => sum + ms, 0);
    console.log('```');
    console.log(
      `drain profile (${machine()}; load average before/after ${loadBefore} / ${loadAverage()})${process.env.BENCH_SUBGRAPH_ENV ? `; ${process.env.BENCH_SUBGRAPH_ENV}` : ''}`,
    );
    console.log(
      `  ${fmtInt(result.events)} events in messages of ${MESSAGE_EVENTS}, ${TENANTS} tenants: ${fmtInt(result.events / result.seconds)} events/s${PROFILE ? ' under the profiler' : ''}`,
    );
    console.log(
      `  CPU per event: node ${fmt((result.own / result.events) * 1e6, 0)} µs, its postgres backends ${fmt((result.pg / result.events) * 1e6, 0)} µs; garbage collection pauses ${fmt((result.gcMs / result.events) * 1e3, 0)} µs`,
    );
    console.log(
      `  raw multi-row INSERT of the same rows (4 clients, 500 rows): ${fmtInt(raw.rate)} events/s, its backends ${fmt((raw.pg / all.length) * 1e6, 0)} µs an event`,
    );
    for (const [name, ms] of split)
      console.log(
        `  ${name.padEnd(72)} ${fmt((ms / result.events) * 1000, 1).padStart(6)} µs an event  ${fmt((ms / busy) * 100).padStart(5)}%`,
      );
    console.log('```');
    if (profile) console.log(`profile saved: ${saveProfile('jetstream-drain', profile)}`);
  } finally {
    await watch.end();
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
    await dropDatabase(db);
    await dropDatabase(rawDb);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
