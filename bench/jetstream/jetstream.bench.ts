/**
 * The JetStream ingest path: its drain rate against a raw multi-row INSERT of the same rows in the
 * same run, its publish-to-commit latency at a steady 5,000 events/s, and the producer plugin's
 * overhead on a CRM mutation. See bench/README.md.
 */
import '../support/production-env';
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { openAuditDatabase } from '../../src/modules';
import { ensureStreamAndConsumer } from '../../src/jetstream/ingest-consumer';
import { ingestSubjects } from '../../src/jetstream/subjects';
import { makeEvents, multiRowInsertSql, rawRowValues, type EventInput } from '../ingest/events';
import {
  backendCpu,
  cpuSince,
  machineBusySeconds,
  ownCpuSeconds,
  processCpuSeconds,
  serverCpuSeconds,
} from '../support/cpu';
import type { SubgraphCommand } from './subgraph-process';
import { createDatabase, databaseUrl, dropDatabase } from '../support/postgres';
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
/**
 * Replicas of the subgraph draining the backlog together, each in its own process: one drain per
 * count each round (`1,2`: one replica, then two sharing the consumer, on a backlog of their own).
 */
const REPLICAS = (process.env.BENCH_REPLICAS || '1').split(',').map(Number);
const PREFIX = process.env.BENCH_DB_PREFIX || 'audit_bench_producers';
/** `BENCH_PLUGIN_ONLY=1`: only the plugin's overhead (no databases, no subgraph). */
const PLUGIN_ONLY = process.env.BENCH_PLUGIN_ONLY === '1';
/**
 * A checkout of another commit (its node_modules present): its CRM with its plugin runs as a third
 * side of the same blocks ("before"), so that a change to the plugin is measured in one run.
 */
const PLUGIN_BEFORE_DIR = process.env.BENCH_PLUGIN_BEFORE_DIR;
/** `BENCH_CRM_CACHE_CONTROL=off`: every CRM without Apollo's cache control, which instruments every field by itself. */
const CRM_CACHE_CONTROL = process.env.BENCH_CRM_CACHE_CONTROL || 'on';
/** A directory: the CRM processes write V8 CPU profiles there (`--cpu-prof`), for where the plugin's time goes. */
const CRM_CPU_PROF_DIR = process.env.BENCH_CRM_CPU_PROF_DIR;

/**
 * Events stored for the tenants named `<tenantPrefix>-…`, from their heads (a row each), not a count of
 * the log: the watch must not load PostgreSQL.
 */
async function count(client: Client, tenantPrefix = 'bench-tenant'): Promise<number> {
  const { rows } = await client.query(
    `SELECT coalesce(sum(last_sequence), 0)::int AS n FROM audit_log_heads WHERE tenant_id LIKE $1`,
    [`${tenantPrefix}-%`],
  );
  return rows[0].n as number;
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

/** A round's events; each drain of a round (`drainIndex`) gets events of its own. */
function roundEvents(round: number, drainIndex: number): EventInput[] {
  const perTenant = ROUND_EVENTS / TENANTS;
  return Array.from({ length: ROUND_EVENTS / MESSAGE_EVENTS }, (_, m) => {
    const tenant = `bench-tenant-${m % TENANTS}`;
    return makeEvents((round * REPLICAS.length + drainIndex) * 1_000_000 + m * 1000, tenant, MESSAGE_EVENTS);
  })
    .flat()
    .slice(0, perTenant * TENANTS);
}

interface SubgraphProcess {
  url: string;
  pid: number;
  /** Stops the server; the process stays, warm, for the next `startSubgraph`. */
  stop(): Promise<void>;
}

/** The subgraph processes (subgraph-process.ts), kept from one phase to the next. */
const subgraphProcesses: ChildProcess[] = [];

/** The reply to a command sent to a subgraph process. */
function ask<T>(child: ChildProcess, command: SubgraphCommand): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`the subgraph exited with ${code}`));
    child.once('exit', exited);
    child.once('message', (message) => {
      child.off('exit', exited);
      resolve(message as T);
    });
    child.send(command);
  });
}

/** The audit subgraph served by the `index`-th subgraph process (forked on first use); resolves once it serves. */
async function startSubgraph(
  index: number,
  databaseUrl: string,
  env: Record<string, string>,
): Promise<SubgraphProcess> {
  const child = (subgraphProcesses[index] ??= fork(path.join(__dirname, 'subgraph-process.ts'), [], {
    // V8's young generation as the Dockerfile sets it.
    execArgv: ['--max-semi-space-size=64', '-r', 'ts-node/register/transpile-only'],
  }));
  const { url } = await ask<{ url: string }>(child, { cmd: 'start', databaseUrl, env });
  return { url, pid: child.pid!, stop: () => ask(child, { cmd: 'stop' }) };
}

async function exitSubgraphProcesses(): Promise<void> {
  await Promise.all(
    subgraphProcesses.map((child) => new Promise((resolve) => child.once('exit', resolve).send({ cmd: 'exit' }))),
  );
}

interface Phase {
  events: number;
  seconds: number;
  /** CPU seconds of the side's Node process (the subgraph; the raw side's pg clients) and of its PostgreSQL backends. */
  node: number;
  postgres: number;
  /** CPU seconds of the local NATS server (the JetStream side's delivery and acknowledgements; next to nothing for the raw side). */
  nats: number;
  /** CPU seconds the whole machine spent busy: divided by `seconds`, the cores the phase kept busy. */
  machine: number;
}

/** What the machine and the NATS server have spent so far, for a phase's differences. */
const sharedCpu = () => ({ nats: serverCpuSeconds('nats-server'), machine: machineBusySeconds() });
const sharedCpuSince = (before: ReturnType<typeof sharedCpu>) => {
  const now = sharedCpu();
  return { nats: now.nats - before.nats, machine: now.machine - before.machine };
};

/**
 * Stored-event rate while the subgraph's replicas (sharing the durable consumer) drain the backlog:
 * from the first commit seen to the last, polled from this process (on the tenants' heads), with the
 * CPU of the replicas and their backends.
 */
async function drain(
  watch: Client,
  database: string,
  replicas: number,
  before: number,
  expected: number,
  env: Record<string, string>,
) {
  const servers = await Promise.all(
    Array.from({ length: replicas }, (_, index) => startSubgraph(index, databaseUrl(database), env)),
  );
  const nodeCpu = () => servers.reduce((sum, server) => sum + processCpuSeconds(server.pid), 0);
  let first:
    | { at: number; n: number; node: number; postgres: Map<number, number>; shared: ReturnType<typeof sharedCpu> }
    | undefined;
  for (;;) {
    const n = (await count(watch)) - before;
    const at = nowMs();
    if (n > 0 && !first)
      first = { at, n, node: nodeCpu(), postgres: await backendCpu(watch, database), shared: sharedCpu() };
    if (n >= expected) {
      const shared = sharedCpuSince(first!.shared);
      const node = nodeCpu() - first!.node;
      const postgres = cpuSince(first!.postgres, await backendCpu(watch, database));
      await Promise.all(servers.map((server) => server.stop()));
      return { events: expected - first!.n, seconds: (at - first!.at) / 1000, node, postgres, ...shared };
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function rawInsert(
  clients: Client[],
  database: string,
  events: EventInput[],
  sequences: Map<string, number>,
): Promise<Phase> {
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
  const postgres = await backendCpu(clients[0], database);
  const node = ownCpuSeconds();
  const shared = sharedCpu();
  const started = nowMs();
  await Promise.all(
    clients.map(async (client, w) => {
      for (let b = w; b < batches.length; b += clients.length) await client.query(sql, batches[b]);
    }),
  );
  const seconds = (nowMs() - started) / 1000;
  return {
    events: events.length,
    seconds,
    ...sharedCpuSince(shared),
    node: ownCpuSeconds() - node,
    postgres: cpuSince(postgres, await backendCpu(clients[0], database)),
  };
}

/** Its rate, and the CPU per event of its Node process and of its PostgreSQL backends. */
function describePhase(phase: Phase, nodeName: string): string {
  const perEvent = (seconds: number) => `${fmt((seconds / phase.events) * 1e6, 0)} µs`;
  return `${fmtInt(phase.events / phase.seconds)} events/s, CPU an event: ${nodeName} ${perEvent(phase.node)}, its postgres backends ${perEvent(phase.postgres)}, nats-server ${perEvent(phase.nats)}; machine ${perEvent(phase.machine)} (${fmt(phase.machine / phase.seconds, 2)} cores busy)`;
}

/** The publish-to-commit histogram of the server's /metrics: its buckets and count. */
async function latencyHistogram(server: SubgraphProcess) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const buckets: Array<[number, number]> = [];
  for (const match of text.matchAll(/^audit_jetstream_publish_to_commit_seconds_bucket\{le="([^"]+)"\} (\d+)/gm))
    buckets.push([match[1] === '+Inf' ? Infinity : Number(match[1]), Number(match[2])]);
  return buckets;
}

interface CrmSide {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<{ stats: Record<string, number> | null }>;
  latencies: number[];
  cpuSeconds: number;
}

/** One demo CRM subgraph in a process of its own (`crm-process.ts` of `checkout`), with the plugin when `prefix` is given. */
async function startCrm(name: string, checkout: string, prefix: string | undefined): Promise<CrmSide> {
  const child = fork(path.join(checkout, 'bench/jetstream/crm-process.ts'), [], {
    execArgv: [
      '-r',
      'ts-node/register/transpile-only',
      ...(CRM_CPU_PROF_DIR
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${CRM_CPU_PROF_DIR}`,
            `--cpu-prof-name=${name.replace(/\W+/g, '-')}.cpuprofile`,
          ]
        : []),
    ],
    env: { ...process.env, NATS_URL, CACHE_CONTROL: CRM_CACHE_CONTROL, ...(prefix ? { PREFIX: prefix } : {}) },
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`CRM subgraph exited with ${code}`)));
  });
  const stop = () =>
    new Promise<{ stats: Record<string, number> | null }>((resolve) => {
      child.once('message', (message) => resolve(message as never));
      child.send('stop');
    });
  return { name, url, pid: child.pid!, stop, latencies: [], cpuSeconds: 0 };
}

/**
 * The plugin's overhead on a CRM mutation: each CRM subgraph in a process of its own (as a CRM's
 * subgraph runs), this process their client. The plugin's events go to JetStream (no subgraph
 * consumes them meanwhile).
 */
async function pluginOverhead(prefix: string): Promise<string[]> {
  const checkout = path.join(__dirname, '../..');
  const sides = await Promise.all([
    startCrm('without the plugin', checkout, undefined),
    startCrm('with the plugin', checkout, prefix),
    ...(PLUGIN_BEFORE_DIR ? [startCrm(`with the plugin of ${PLUGIN_BEFORE_DIR}`, PLUGIN_BEFORE_DIR, prefix)] : []),
  ]);
  const [bare, plugin] = sides;
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
  for (let i = 0; i < 200; i++) for (const side of sides) await mutate(side.url, i); // warm-up
  // Each subgraph's CPU per request as well (its process's, from /proc, over its own blocks):
  // under a loaded machine's scheduling, wall-clock medians of two alike servers move apart.
  for (let block = 0; block < PLUGIN_REQUESTS / 100; block++)
    for (const side of sides.map((_, i) => sides[(i + block) % sides.length])) {
      const cpu0 = processCpuSeconds(side.pid);
      for (let i = 0; i < 100; i++) side.latencies.push(await mutate(side.url, i));
      // The plugin builds and publishes a batch when 100 mutations are captured (a block's worth): the block ends when it is done.
      await new Promise((resolve) => setTimeout(resolve, 50));
      side.cpuSeconds += processCpuSeconds(side.pid) - cpu0;
    }
  const stats = await Promise.all(sides.map((side) => side.stop()));
  const cpuMicros = (side: CrmSide) => (side.cpuSeconds / side.latencies.length) * 1e6;
  const lines = [
    `  CRM updateLead, ${bare.latencies.length} requests each, blocks of 100 in turn (each CRM in its own process, Apollo's cache control ${CRM_CACHE_CONTROL}; median, CPU of its process per mutation):`,
  ];
  for (const side of sides) {
    const overhead = median(side.latencies) / median(bare.latencies) - 1;
    const cpuOverhead = side.cpuSeconds / bare.cpuSeconds - 1;
    lines.push(
      side === bare
        ? `    ${side.name}: ${fmt(median(side.latencies), 3)} ms, ${fmt(cpuMicros(side), 0)} µs`
        : `    ${side.name}: ${fmt(median(side.latencies), 3)} ms (${overhead >= 0 ? '+' : ''}${fmt(overhead * 100, 1)} %${side === plugin ? `, target < 5 %: ${overhead < 0.05 ? 'MET' : 'MISSED'}` : ''}), ${fmt(cpuMicros(side), 0)} µs (${cpuOverhead >= 0 ? '+' : ''}${fmt(cpuOverhead * 100, 1)} %, +${fmt(cpuMicros(side) - cpuMicros(bare), 0)} µs); client ${JSON.stringify(stats[sides.indexOf(side)].stats)}`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const run = randomBytes(3).toString('hex');
  const jsDb = `${PREFIX}_${run}_js`;
  const rawDb = `${PREFIX}_${run}_raw`;
  const prefix = `auditbench_${run}`;
  const stream = `AUDIT_BENCH_${run}`;
  const env: Record<string, string> = {
    NATS_URL,
    NATS_STREAM: stream,
    NATS_SUBJECT_PREFIX: prefix,
    NATS_CONSUMER: `bench-${run}`,
    // Replicas share a backlog only if none pulls all of it ahead.
    ...(process.env.BENCH_PULL_AHEAD ? { NATS_PULL_AHEAD: process.env.BENCH_PULL_AHEAD } : {}),
  };
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
  if (PLUGIN_ONLY) {
    try {
      console.log('```');
      console.log(`jetstream, plugin overhead only (${machine()}; load average before ${loadAverage()})`);
      for (const line of await pluginOverhead(prefix)) console.log(line);
      console.log(`  load average after ${loadAverage()}`);
      console.log('```');
    } finally {
      await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
    }
    return;
  }
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
    const jsRounds = REPLICAS.map((): Phase[] => []);
    const rawRounds: Phase[] = [];
    const sides = [...REPLICAS.keys(), 'raw' as const];
    for (let round = 0; round <= ROUNDS; round++) {
      // The side going first turns with the rounds.
      const order = sides.map((_, i) => sides[(i + round) % sides.length]);
      for (const side of order) {
        if (side === 'raw') {
          const result = await rawInsert(rawClients, rawDb, roundEvents(round, 0), sequences);
          // Round 0 warms every side up.
          if (round > 0) rawRounds.push(result);
          continue;
        }
        const events = roundEvents(round, side);
        await publishBacklog((subject, body) => js.publish(subject, body), prefix, events);
        const result = await drain(watch, jsDb, REPLICAS[side], await count(watch), events.length, env);
        if (round > 0) jsRounds[side].push(result);
      }
      if (round > 0)
        console.log(
          `round ${round} (load average ${loadAverage()}): ${REPLICAS.map((replicas, i) => `JetStream ingest, ${replicas} replica(s): ${describePhase(jsRounds[i].at(-1)!, 'subgraph')}; `).join('')}raw INSERT ${describePhase(rawRounds.at(-1)!, 'pg clients')}`,
        );
    }
    const sum = (rounds: Phase[]): Phase => ({
      events: rounds.reduce((s, r) => s + r.events, 0),
      seconds: rounds.reduce((s, r) => s + r.seconds, 0),
      node: rounds.reduce((s, r) => s + r.node, 0),
      postgres: rounds.reduce((s, r) => s + r.postgres, 0),
      nats: rounds.reduce((s, r) => s + r.nats, 0),
      machine: rounds.reduce((s, r) => s + r.machine, 0),
    });
    const jsTotals = jsRounds.map(sum);
    const rawTotal = sum(rawRounds);
    const rawRate = rawTotal.events / rawTotal.seconds;
    const stored = (
      await watch.query(`SELECT count(*)::int AS n FROM audit_events WHERE tenant_id LIKE 'bench-tenant-%'`)
    ).rows[0].n as number;
    const expected = (ROUNDS + 1) * ROUND_EVENTS * REPLICAS.length;
    if (stored !== expected) throw new Error(`stored ${stored} events, published ${expected}`);

    // --- publish-to-commit latency at a steady rate, the producer in its own process
    const server = await startSubgraph(0, databaseUrl(jsDb), env);
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
    while ((await count(watch, 'latency-tenant')) < published.recorded)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const buckets = await latencyHistogram(server);
    const { rows } = await watch.query(
      `SELECT extract(epoch FROM recorded_at - occurred_at) * 1000 AS ms FROM audit_events WHERE tenant_id LIKE 'latency-tenant-%'`,
    );
    const recordToStore = rows.map((row: { ms: string }) => Number(row.ms));
    await server.stop();
    const total = buckets.at(-1)![1];
    const withinOneSecond = (buckets.find(([le]) => le === 1)?.[1] ?? 0) / total;
    const bucketQuantile = (q: number) => buckets.find(([, n]) => n >= q * total)![0];

    console.log('```');
    console.log(`jetstream (${machine()}; load average before/after ${loadBefore} / ${loadAverage()})`);
    console.log(
      `  drain of a backlog: ${ROUNDS} rounds of ${fmtInt(ROUND_EVENTS)} events in messages of ${MESSAGE_EVENTS}, ${TENANTS} tenants, after a warm-up round; rows checked: ${stored}`,
    );
    console.log(
      `  raw pg multi-row INSERT         ${describePhase(rawTotal, 'pg clients')}  (${RAW_BATCH}-row INSERTs, ${RAW_WRITERS} clients)`,
    );
    REPLICAS.forEach((replicas, i) => {
      const ratio = jsTotals[i].events / jsTotals[i].seconds / rawRate;
      console.log(`  JetStream ingest, ${replicas} replica(s)  ${describePhase(jsTotals[i], 'subgraphs')}`);
      console.log(`    ratio ${fmt(ratio, 2)} (target >= 0.80): ${ratio >= 0.8 ? 'MET' : 'MISSED'}`);
    });
    console.log(
      `  steady ${fmtInt(published.recorded / published.seconds)} events/s for ${fmt(published.seconds)} s (${fmtInt(published.recorded)} events, producer client: ${JSON.stringify(published.stats)})`,
    );
    console.log(
      `  stream -> commit: ${fmt(withinOneSecond * 100, 2)} % within 1 s (target p99 < 1 s: ${withinOneSecond >= 0.99 ? 'MET' : 'MISSED'}); p50 <= ${bucketQuantile(0.5)} s, p99 <= ${bucketQuantile(0.99)} s (histogram buckets)`,
    );
    console.log(
      `  record() -> stored (recorded_at - occurred_at): p50 ${fmt(quantile(recordToStore, 0.5), 0)} ms, p99 ${fmt(quantile(recordToStore, 0.99), 0)} ms, max ${fmt(
        recordToStore.reduce((max, ms) => Math.max(max, ms), 0),
        0,
      )} ms`,
    );
    for (const line of await pluginOverhead(prefix)) console.log(line);
    console.log('```');
  } finally {
    await exitSubgraphProcesses();
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
