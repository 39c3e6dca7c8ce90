/**
 * The JetStream ingest path: its drain rate against a raw multi-row INSERT of the same rows in the
 * same run, its publish-to-commit latency at a steady 5,000 events/s, and the producer plugin's
 * overhead on a CRM mutation. See bench/README.md.
 */
import '../support/production-env';
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { startCrmSubgraph } from '../../examples/crm/crm-subgraph';
import { openAuditDatabase } from '../../src/modules';
import { ensureStreamAndConsumer } from '../../src/jetstream/ingest-consumer';
import { ingestSubjects } from '../../src/jetstream/subjects';
import { AuditClient, natsTransport } from '../../packages/producer/src';
import { makeEvents, multiRowInsertSql, rawRowValues, type EventInput } from '../ingest/events';
import { createDatabase, databaseUrl, dropDatabase } from '../support/postgres';
import { startBenchServer, type BenchServer } from '../support/server';
import { fmt, fmtInt, intFromEnv, loadAverage, machine, median, nowMs, quantile } from '../support/stats';
import { signBenchToken } from '../support/tokens';

const NATS_URL = process.env.NATS_URL || 'nats://127.0.0.1:4222';
/** Events per message, as the producer package batches them by default. */
const MESSAGE_EVENTS = intFromEnv('BENCH_MESSAGE_EVENTS', 100);
const ROUND_EVENTS = intFromEnv('BENCH_ROUND_EVENTS', 24_000);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 3);
const TENANTS = intFromEnv('BENCH_TENANTS', 4);
/** The raw baseline as in the ingest bench: 500-row INSERTs from 4 clients. */
const RAW_BATCH = 500;
const RAW_WRITERS = 4;
const LATENCY_RATE = intFromEnv('BENCH_LATENCY_RATE', 5000);
const LATENCY_SECONDS = intFromEnv('BENCH_LATENCY_SECONDS', 20);
const PLUGIN_REQUESTS = intFromEnv('BENCH_PLUGIN_REQUESTS', 2000);
const PREFIX = process.env.BENCH_DB_PREFIX || 'audit_bench_producers';

/** From the tenants' heads (a row each), not a count of the log: the watch must not load PostgreSQL. */
const countSql = `SELECT coalesce(sum(last_sequence), 0)::int AS n FROM audit_log_heads WHERE tenant_id LIKE 'bench-tenant-%'`;

async function count(client: Client): Promise<number> {
  return (await client.query(countSql)).rows[0].n as number;
}

/** Publishes the round's events as messages of MESSAGE_EVENTS, one tenant each (the server is stopped). */
async function publishBacklog(
  publish: (subject: string, body: string) => Promise<unknown>,
  prefix: string,
  events: EventInput[],
) {
  const pending: Array<Promise<unknown>> = [];
  for (let start = 0; start < events.length; start += MESSAGE_EVENTS) {
    const message = events.slice(start, start + MESSAGE_EVENTS);
    pending.push(publish(`${prefix}.events.${message[0].tenantId}`, JSON.stringify(message)));
    if (pending.length >= 256) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
}

function roundEvents(round: number): EventInput[] {
  const perTenant = ROUND_EVENTS / TENANTS;
  return Array.from({ length: ROUND_EVENTS / MESSAGE_EVENTS }, (_, m) => {
    const tenant = `bench-tenant-${m % TENANTS}`;
    return makeEvents(round * 1_000_000 + m * 1000, tenant, MESSAGE_EVENTS);
  })
    .flat()
    .slice(0, perTenant * TENANTS);
}

/** Stored-event rate while the server drains the backlog: from its first commit seen to its last. */
async function drain(watch: Client, before: number, expected: number, start: () => Promise<BenchServer>) {
  const server = await start();
  let first: { at: number; n: number } | undefined;
  for (;;) {
    const n = (await count(watch)) - before;
    const at = nowMs();
    if (n > 0 && !first) first = { at, n };
    if (n >= expected) {
      await server.stop();
      return { events: expected - first!.n, seconds: (at - first!.at) / 1000 };
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function rawInsert(clients: Client[], events: EventInput[], sequences: Map<string, number>) {
  const batches: unknown[][] = [];
  for (let start = 0; start < events.length; start += RAW_BATCH)
    batches.push(
      events.slice(start, start + RAW_BATCH).flatMap((event) => {
        const next = (sequences.get(event.tenantId) ?? 0) + 1;
        sequences.set(event.tenantId, next);
        return rawRowValues(event, next);
      }),
    );
  const sql = multiRowInsertSql(RAW_BATCH);
  const started = nowMs();
  await Promise.all(
    clients.map(async (client, w) => {
      for (let b = w; b < batches.length; b += clients.length) await client.query(sql, batches[b]);
    }),
  );
  return { events: events.length, seconds: (nowMs() - started) / 1000 };
}

/** The publish-to-commit histogram of the server's /metrics: its buckets and count. */
async function latencyHistogram(server: BenchServer) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const buckets: Array<[number, number]> = [];
  for (const match of text.matchAll(/^audit_jetstream_publish_to_commit_seconds_bucket\{le="([^"]+)"\} (\d+)/gm))
    buckets.push([match[1] === '+Inf' ? Infinity : Number(match[1]), Number(match[2])]);
  return buckets;
}

async function main(): Promise<void> {
  const run = randomBytes(3).toString('hex');
  const jsDb = `${PREFIX}_${run}_js`;
  const rawDb = `${PREFIX}_${run}_raw`;
  const prefix = `auditbench_${run}`;
  const stream = `AUDIT_BENCH_${run}`;
  const env = { NATS_URL, NATS_STREAM: stream, NATS_SUBJECT_PREFIX: prefix, NATS_CONSUMER: `bench-${run}` };
  console.log(`jetstream bench: ${machine()}, load average ${loadAverage()}`);
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
  await createDatabase(jsDb);
  await createDatabase(rawDb);
  for (const name of [jsDb, rawDb]) {
    const database = await openAuditDatabase({ url: databaseUrl(name) });
    await database.migrate();
    await database.close();
  }
  const rawClients = await Promise.all(
    Array.from({ length: RAW_WRITERS }, async () => {
      const client = new Client({ connectionString: databaseUrl(rawDb) });
      await client.connect();
      return client;
    }),
  );
  const watch = new Client({ connectionString: databaseUrl(jsDb) });
  await watch.connect();
  try {
    // --- drain rate against the raw INSERT
    const loadBefore = loadAverage();
    const sequences = new Map<string, number>();
    const jsRounds: Array<{ events: number; seconds: number }> = [];
    const rawRounds: Array<{ events: number; seconds: number }> = [];
    for (let round = 0; round <= ROUNDS; round++) {
      const events = roundEvents(round);
      await publishBacklog((subject, body) => js.publish(subject, body), prefix, events);
      const before = await count(watch);
      const order = round % 2 === 0 ? ['js', 'raw'] : ['raw', 'js'];
      for (const side of order) {
        const result =
          side === 'js'
            ? await drain(watch, before, events.length, () => startBenchServer(databaseUrl(jsDb), env))
            : await rawInsert(rawClients, events, sequences);
        // Round 0 warms both sides up.
        if (round > 0) (side === 'js' ? jsRounds : rawRounds).push(result);
      }
      if (round > 0)
        console.log(
          `round ${round}: JetStream ingest ${fmtInt(jsRounds.at(-1)!.events / jsRounds.at(-1)!.seconds)} events/s, raw INSERT ${fmtInt(rawRounds.at(-1)!.events / rawRounds.at(-1)!.seconds)} events/s`,
        );
    }
    const rate = (rounds: typeof jsRounds) =>
      rounds.reduce((s, r) => s + r.events, 0) / rounds.reduce((s, r) => s + r.seconds, 0);
    const jsRate = rate(jsRounds);
    const rawRate = rate(rawRounds);
    const stored = (
      await watch.query(`SELECT count(*)::int AS n FROM audit_events WHERE tenant_id LIKE 'bench-tenant-%'`)
    ).rows[0].n as number;
    const expected = (ROUNDS + 1) * ROUND_EVENTS;
    if (stored !== expected) throw new Error(`stored ${stored} events, published ${expected}`);

    // --- publish-to-commit latency at a steady rate, the producer in its own process
    const server = await startBenchServer(databaseUrl(jsDb), env);
    const child = fork(path.join(__dirname, 'paced-publisher.ts'), [], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: {
        ...process.env,
        NATS_URL,
        PREFIX: prefix,
        RATE: String(LATENCY_RATE),
        DURATION_S: String(LATENCY_SECONDS),
        TENANTS: String(TENANTS),
      },
    });
    const published = await new Promise<{ recorded: number; seconds: number; stats: Record<string, number> }>(
      (resolve, reject) => {
        child.once('message', (message) => resolve(message as never));
        child.once('exit', (code) => code && reject(new Error(`publisher exited with ${code}`)));
      },
    );
    const latencyCount = async () =>
      (await watch.query(`SELECT count(*)::int AS n FROM audit_events WHERE tenant_id LIKE 'latency-tenant-%'`)).rows[0]
        .n as number;
    while ((await latencyCount()) < published.recorded) await new Promise((resolve) => setTimeout(resolve, 50));
    const buckets = await latencyHistogram(server);
    const { rows } = await watch.query(
      `SELECT extract(epoch FROM recorded_at - occurred_at) * 1000 AS ms FROM audit_events WHERE tenant_id LIKE 'latency-tenant-%'`,
    );
    const recordToStore = rows.map((row: { ms: string }) => Number(row.ms));
    await server.stop();
    const total = buckets.at(-1)![1];
    const withinOneSecond = (buckets.find(([le]) => le === 1)?.[1] ?? 0) / total;
    const bucketQuantile = (q: number) => buckets.find(([, n]) => n >= q * total)![0];

    // --- the plugin's overhead on a CRM mutation. Its events go to JetStream (no subgraph consumes
    // them meanwhile): an audit subgraph in this process would charge its own work to the CRM.
    const client = new AuditClient({ transport: natsTransport({ js, subjectPrefix: prefix, tenantId: 'bench-crm' }) });
    const withPlugin = await startCrmSubgraph({ audit: client });
    const without = await startCrmSubgraph();
    const userToken = await signBenchToken({ org: 'bench-crm', role: 'ADMIN', sub: 'user-1' });
    const mutate = async (url: string, i: number) => {
      const started = nowMs();
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${userToken}` },
        body: JSON.stringify({
          query: `mutation { updateLead(id: "lead-1", input: { status: ${i % 2 ? 'QUALIFIED' : 'CONTACTED'}, company: "Co ${i}" }) { id status } }`,
        }),
      });
      await response.json();
      return nowMs() - started;
    };
    const plugin: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 200; i++) await mutate(i % 2 ? withPlugin.url : without.url, i); // warm-up
    // CPU of this process (client, CRM and plugin) per request as well: under a loaded machine's
    // scheduling, wall-clock medians of two alike servers can differ by tens of percent either way.
    const cpuMs = { plugin: 0, bare: 0 };
    for (let block = 0; block < PLUGIN_REQUESTS / 100; block++)
      for (const [url, into, side] of block % 2
        ? [[withPlugin.url, plugin, 'plugin'] as const, [without.url, bare, 'bare'] as const]
        : [[without.url, bare, 'bare'] as const, [withPlugin.url, plugin, 'plugin'] as const]) {
        const cpu0 = process.cpuUsage();
        for (let i = 0; i < 100; i++) into.push(await mutate(url, i));
        const cpu = process.cpuUsage(cpu0);
        cpuMs[side] += (cpu.user + cpu.system) / 1000;
      }
    await client.close();
    await Promise.all([withPlugin.stop(), without.stop()]);
    const overhead = median(plugin) / median(bare) - 1;
    const cpuOverhead = cpuMs.plugin / cpuMs.bare - 1;

    console.log('');
    console.log('```');
    console.log(`jetstream (${machine()}; load average before/after ${loadBefore} / ${loadAverage()})`);
    console.log(
      `  drain of a backlog: ${ROUNDS} rounds of ${fmtInt(ROUND_EVENTS)} events in messages of ${MESSAGE_EVENTS}, ${TENANTS} tenants, after a warm-up round; rows checked: ${stored}`,
    );
    console.log(`  JetStream ingest          ${fmtInt(jsRate).padStart(8)} events/s`);
    console.log(
      `  raw pg multi-row INSERT   ${fmtInt(rawRate).padStart(8)} events/s  (${RAW_BATCH}-row INSERTs, ${RAW_WRITERS} clients)`,
    );
    console.log(`  ratio ${fmt(jsRate / rawRate, 2)} (target >= 0.80): ${jsRate / rawRate >= 0.8 ? 'MET' : 'MISSED'}`);
    console.log(
      `  steady ${fmtInt(published.recorded / published.seconds)} events/s for ${fmt(published.seconds)} s (${fmtInt(published.recorded)} events, producer client: ${JSON.stringify(published.stats)})`,
    );
    console.log(
      `  stream -> commit: ${fmt(withinOneSecond * 100, 2)} % within 1 s (target p99 < 1 s: ${withinOneSecond >= 0.99 ? 'MET' : 'MISSED'}); p50 <= ${bucketQuantile(0.5)} s, p99 <= ${bucketQuantile(0.99)} s (histogram buckets)`,
    );
    console.log(
      `  record() -> stored (recorded_at - occurred_at): p50 ${fmt(quantile(recordToStore, 0.5), 0)} ms, p99 ${fmt(quantile(recordToStore, 0.99), 0)} ms, max ${fmt(Math.max(...recordToStore), 0)} ms`,
    );
    console.log(
      `  CRM updateLead, ${plugin.length} requests each, alternating blocks of 100: median ${fmt(median(bare), 2)} ms without the plugin, ${fmt(median(plugin), 2)} ms with it: overhead ${fmt(overhead * 100, 1)} % (target < 5 %: ${overhead < 0.05 ? 'MET' : 'MISSED'})`,
    );
    console.log(
      `  CPU of this process per updateLead (client + CRM + plugin): ${fmt((cpuMs.bare / bare.length) * 1000, 0)} µs without, ${fmt((cpuMs.plugin / plugin.length) * 1000, 0)} µs with the plugin: ${fmt(cpuOverhead * 100, 1)} %`,
    );
    console.log('```');
  } finally {
    await watch.end();
    for (const client of rawClients) await client.end();
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
    await dropDatabase(jsDb);
    await dropDatabase(rawDb);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
