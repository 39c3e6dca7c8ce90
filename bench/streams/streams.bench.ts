import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { makeEvents } from '../ingest/events';
import { ensureDataset } from '../history/dataset';
import { databaseUrl } from '../support/postgres';
import { startBenchServer, type BenchServer } from '../support/server';
import { DatabaseBackendsCpu, ownCpuSeconds, postgresCpuSeconds, processCpuSeconds } from '../support/cpu';
import { fmt, fmtInt, loadAverage, machine, nowMs, quantile } from '../support/stats';
import { signBenchToken } from '../support/tokens';
import { STREAMS_DATASET_DB } from './dataset';
import { childWriters } from '../ingest/child-writers';
import type { DeliveryReplicaCommand } from './delivery-replica';
import { startReceivers, type BenchReceiver } from './receivers';

const WRITERS = Number(process.env.BENCH_WRITERS || 4);
const BATCH = Number(process.env.BENCH_BATCH || 500);
const BATCHES = Number(process.env.BENCH_BATCHES || 12);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const LIVE_RATE = Number(process.env.BENCH_LIVE_RATE || 500);
const LIVE_SECONDS = Number(process.env.BENCH_LIVE_SECONDS || 30);
const BACKLOG_TENANT = 'acme';
/**
 * Where the streams are delivered: `replica` (default) by a replica of their own in another process, the
 * ingesting replica running with STREAMS_DELIVERY=off; `same`: by the ingesting replica itself.
 */
const DELIVERY = process.env.BENCH_STREAMS_DELIVERY === 'same' ? 'same' : 'replica';
/** Where the delivering replica writes its V8 CPU profile (`--cpu-prof`) when it stops; unset: not profiled. */
const PROFILE_DIR = process.env.BENCH_STREAMS_PROFILE_DIR;
/** Which phases run: `backlog,ingest,live` (all) by default. */
const PHASES = new Set((process.env.BENCH_STREAMS_PHASES || 'backlog,ingest,live').split(','));

const CREATE = `mutation C($input: AuditStreamInput!) { createAuditStream(input: $input) { id } }`;
const UPDATE = `mutation U($id: ID!, $input: AuditStreamInput!) { updateAuditStream(id: $id, input: $input) { id } }`;
const RECORD = `mutation R($events: [AuditEventInput!]!) { recordAuditEvents(events: $events) { recorded } }`;

const log = (line: string) => console.log(line);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

/** Delivers the tenant's whole log (1,000,000 events) to one receiver; events/s and time to catch up. */
async function backlog(server: BenchServer, admin: string, input: Record<string, unknown>, receiver: BenchReceiver) {
  receiver.reset();
  const started = nowMs();
  const { createAuditStream } = await server.graphql(CREATE, { input: { ...input, startAfterSequence: '0' } }, admin);
  await waitFor(async () => (await receiver.stats()).events >= 1_000_000, 1_800_000);
  const seconds = (nowMs() - started) / 1000;
  await server.graphql(UPDATE, { id: createAuditStream.id, input: { ...input, enabled: false } }, admin);
  const stats = await receiver.stats();
  return { seconds, eventsPerSecond: stats.events / seconds, ...stats };
}

/**
 * `WRITERS` writers each sending `BATCHES` batches of `BATCH` events one after the other, from a process of their
 * own with the bodies serialised before the clock starts: events/s.
 */
async function ingestRound(server: BenchServer, service: string, tenant: string, seed: number): Promise<number> {
  const batches = Array.from({ length: WRITERS * BATCHES }, (_, index) => ({
    writer: index % WRITERS,
    body: JSON.stringify({ query: RECORD, variables: { events: makeEvents(seed * 100_000 + index, tenant, BATCH) } }),
  }));
  const writers = await childWriters(`${server.url}/graphql`, service, WRITERS, BATCH, batches);
  try {
    const started = nowMs();
    await writers();
    return (WRITERS * BATCHES * BATCH) / ((nowMs() - started) / 1000);
  } finally {
    writers.close();
  }
}

/** Starts the delivering replica (delivery-replica.ts) over the same database; resolves once it serves. */
async function startDeliveryReplica(
  databaseUrl: string,
  env: Record<string, string>,
): Promise<{ pid: number; stop(): Promise<void> }> {
  const child = fork(path.join(__dirname, 'delivery-replica.ts'), [], {
    execArgv: [
      '-r',
      'ts-node/register/transpile-only',
      ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
    ],
  });
  const send = (command: DeliveryReplicaCommand) => child.send(command);
  await new Promise<void>((resolve) => {
    child.once('message', () => resolve());
    send({ cmd: 'start', databaseUrl, env });
  });
  return {
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        send({ cmd: 'stop' });
      }),
  };
}

/**
 * CPU seconds so far of each part of the bench's machine that serves or receives (the writers excepted).
 * `PostgreSQL`: the backends of the bench's database; `whole server`: every PostgreSQL process, the background ones
 * and the other clients of a shared server included (not added into the totals).
 */
type CpuParts = Record<
  'ingesting replica' | 'delivering replica' | 'receivers' | 'PostgreSQL' | 'whole PostgreSQL server',
  number
>;

async function cpuParts(deliveryPid: number | null, receiversPid: number, backends: DatabaseBackendsCpu) {
  const parts: CpuParts = {
    'ingesting replica': ownCpuSeconds(),
    'delivering replica': deliveryPid === null ? 0 : processCpuSeconds(deliveryPid),
    receivers: processCpuSeconds(receiversPid),
    PostgreSQL: await backends.seconds(),
    'whole PostgreSQL server': postgresCpuSeconds(),
  };
  return parts;
}

/** Microseconds of CPU per ingested event of each part, from two readings; `service`: the receivers excepted. */
function cpuPerEvent(before: CpuParts, after: CpuParts, events: number) {
  const parts = Object.keys(before) as Array<keyof CpuParts>;
  const micros = Object.fromEntries(
    parts.map((part) => [part, ((after[part] - before[part]) * 1e6) / events]),
  ) as CpuParts;
  const service = micros['ingesting replica'] + micros['delivering replica'] + micros.PostgreSQL;
  const all = service + micros.receivers;
  const line = `${parts.map((part) => `${part} ${fmt(micros[part], 0)}`).join(', ')}; service (replicas + PostgreSQL) ${fmt(service, 0)}, with the receivers ${fmt(all, 0)} µs/event`;
  return { line, service, all };
}

async function main(): Promise<void> {
  log(`machine: ${machine()}; load before: ${loadAverage()}`);
  const dataset = await ensureDataset(STREAMS_DATASET_DB, log);
  log(
    `dataset: ${STREAMS_DATASET_DB}, ${fmtInt(dataset.totalEvents)} events (${dataset.reused ? 'reused' : 'loaded'})`,
  );
  const receivers = await startReceivers();
  const { webhook, elastic } = receivers;
  const streamsEnv = { STREAM_SECRET_KEY: randomUUID(), OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' };
  log(`delivery: ${DELIVERY === 'replica' ? 'a replica of its own (another process)' : 'the ingesting replica'}`);
  const server = await startBenchServer(databaseUrl(STREAMS_DATASET_DB), {
    ...streamsEnv,
    ...(DELIVERY === 'replica' ? { STREAMS_DELIVERY: 'off' } : {}),
  });
  const deliveryReplica =
    DELIVERY === 'replica' ? await startDeliveryReplica(databaseUrl(STREAMS_DATASET_DB), streamsEnv) : null;
  const results: string[] = [];
  const backends = await DatabaseBackendsCpu.start(STREAMS_DATASET_DB);
  try {
    const admin = await signBenchToken({ org: BACKLOG_TENANT, role: 'ADMIN', sub: 'bench-admin' });
    // 1. Backlog.
    const webhookInput = {
      name: 'backlog webhook',
      kind: 'WEBHOOK',
      endpoint: webhook.url,
      secret: 'k',
      format: 'NATIVE',
    };
    const elasticInput = { name: 'backlog elastic', kind: 'ELASTIC', endpoint: elastic.url, format: 'ECS' };
    for (const [name, input, receiver] of [
      ['WEBHOOK, NATIVE', webhookInput, webhook],
      ['ELASTIC _bulk, ECS', elasticInput, elastic],
    ] as const) {
      if (!PHASES.has('backlog')) break;
      const result = await backlog(server, admin, input, receiver);
      log(
        `backlog ${name}: ${fmtInt(result.events)} events in ${fmt(result.seconds)} s = ${fmtInt(result.eventsPerSecond)} events/s, ${result.requests} requests, out of order: ${result.outOfOrder}`,
      );
      results.push(
        `| backlog of 1,000,000 events → ${name} | ${fmtInt(result.eventsPerSecond)} events/s | caught up in ${fmt(result.seconds)} s | out of order: ${result.outOfOrder} |`,
      );
    }

    if (PHASES.has('ingest')) {
      // 2. Ingest with three active streams against none, alternating.
      const tenant = `bench-streams-${randomUUID().slice(0, 8)}`;
      const service = await signBenchToken({ org: tenant, role: 'SERVICE', sub: 'bench-service' });
      const tenantAdmin = await signBenchToken({ org: tenant, role: 'ADMIN', sub: 'bench-admin' });
      const streamInputs = [
        { name: 'w', kind: 'WEBHOOK', endpoint: webhook.url, secret: 'k', format: 'NATIVE' },
        { name: 'e', kind: 'ELASTIC', endpoint: elastic.url, format: 'ECS' },
        { name: 'o', kind: 'WEBHOOK', endpoint: webhook.url, secret: 'k', format: 'OCSF' },
      ];
      const streams: string[] = [];
      for (const input of streamInputs)
        streams.push(
          (await server.graphql(CREATE, { input: { ...input, enabled: false } }, tenantAdmin)).createAuditStream.id,
        );
      // Enabled from the tenant's head: a round's streams deliver that round's events, not the ones before it.
      const setStreams = async (enabled: boolean) => {
        const head = await server.db.knex('audit_log_heads').where({ tenant_id: tenant }).first('last_sequence');
        const start = enabled ? { startAfterSequence: String(head?.last_sequence ?? 0) } : {};
        await Promise.all(
          streams.map((id, i) =>
            server.graphql(UPDATE, { id, input: { ...streamInputs[i], enabled, ...start } }, tenantAdmin),
          ),
        );
      };
      await ingestRound(server, service, tenant, 0); // warm-up
      const none: number[] = [];
      const three: number[] = [];
      const cpuOf = {
        none: [] as Array<{ service: number; all: number }>,
        three: [] as Array<{ service: number; all: number }>,
      };
      const roundEvents = WRITERS * BATCHES * BATCH;
      for (let round = 0; round < ROUNDS; round++) {
        for (const withStreams of round % 2 === 0 ? [false, true] : [true, false]) {
          await setStreams(withStreams);
          webhook.reset();
          elastic.reset();
          const cpuBefore = await cpuParts(deliveryReplica?.pid ?? null, receivers.pid, backends);
          const rate = await ingestRound(server, service, tenant, round * 2 + (withStreams ? 1 : 2));
          (withStreams ? three : none).push(rate);
          // The streams catch up outside the timing, but inside the CPU reading: what the round's events cost.
          if (withStreams)
            await waitFor(
              async () =>
                (await webhook.stats()).events >= 2 * roundEvents && (await elastic.stats()).events >= roundEvents,
              300_000,
            );
          const cpuAfter = await cpuParts(deliveryReplica?.pid ?? null, receivers.pid, backends);
          const cpu = cpuPerEvent(cpuBefore, cpuAfter, roundEvents);
          cpuOf[withStreams ? 'three' : 'none'].push(cpu);
          log(
            `ingest round ${round + 1}, ${withStreams ? 'three streams' : 'no stream'}: ${fmtInt(rate)} events/s; CPU ${cpu.line}; load ${loadAverage()}`,
          );
        }
      }
      await setStreams(false);
      const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
      const ratio = sum(three) / sum(none);
      log(
        `ingest: none ${fmtInt(sum(none) / none.length)} events/s, three streams ${fmtInt(sum(three) / three.length)} events/s, ratio ${fmt(ratio, 3)} (target ≥ 0.9)`,
      );
      results.push(
        `| ingest with three active streams ÷ with none | ${fmt(ratio, 3)} | target ≥ 0.9 | ${fmtInt(sum(three) / three.length)} vs ${fmtInt(sum(none) / none.length)} events/s |`,
      );
      // What the ratio would be if ingest were bound by the CPU these parts spend per event alone.
      const mean = (side: 'none' | 'three', part: 'service' | 'all') =>
        sum(cpuOf[side].map((cpu) => cpu[part])) / cpuOf[side].length;
      for (const [part, what] of [
        ['service', 'replicas + PostgreSQL, receivers excluded'],
        ['all', 'receivers included'],
      ] as const) {
        const cpuRatio = mean('none', part) / mean('three', part);
        log(
          `CPU per ingested event (${what}): none ${fmt(mean('none', part), 0)} µs, three streams ${fmt(mean('three', part), 0)} µs: ratio ${fmt(cpuRatio, 3)}`,
        );
        results.push(
          `| CPU per ingested event, none ÷ three streams (${what}) | ${fmt(cpuRatio, 3)} | target ≥ 0.9 | ${fmt(mean('none', part), 0)} vs ${fmt(mean('three', part), 0)} µs |`,
        );
      }
    }
    if (PHASES.has('live')) {
      // 3. Live lag at LIVE_RATE events/s.
      const liveTenant = `bench-live-${randomUUID().slice(0, 8)}`;
      const liveService = await signBenchToken({ org: liveTenant, role: 'SERVICE', sub: 'bench-service' });
      const liveAdmin = await signBenchToken({ org: liveTenant, role: 'ADMIN', sub: 'bench-admin' });
      await server.graphql(CREATE, { input: { ...webhookInput, name: 'live' } }, liveAdmin);
      // One event through first: the clock starts once a replica holds the stream.
      webhook.reset();
      await server.graphql(RECORD, { events: makeEvents(8_999_999, liveTenant, 1) }, liveService);
      await waitFor(async () => (await webhook.stats()).events >= 1, 60_000);
      webhook.reset();
      webhook.measureLag(true);
      const tickMs = 100;
      const perTick = Math.round((LIVE_RATE * tickMs) / 1000);
      const ticks = (LIVE_SECONDS * 1000) / tickMs;
      const start = nowMs();
      const writes: Array<Promise<unknown>> = [];
      for (let tick = 0; tick < ticks; tick++) {
        const due = start + tick * tickMs;
        const wait = due - nowMs();
        if (wait > 0) await sleep(wait);
        writes.push(server.graphql(RECORD, { events: makeEvents(9_000_000 + tick, liveTenant, perTick) }, liveService));
      }
      await Promise.all(writes);
      await waitFor(async () => (await webhook.stats()).events >= ticks * perTick, 60_000);
      const lags = (await webhook.stats(true)).lagsMs;
      log(
        `live at ${LIVE_RATE} events/s for ${LIVE_SECONDS} s: ${fmtInt(lags.length)} events, lag p50 ${fmt(quantile(lags, 0.5), 0)} ms, p99 ${fmt(quantile(lags, 0.99), 0)} ms, max ${fmt(Math.max(...lags), 0)} ms (target p99 < 2000 ms)`,
      );
      results.push(
        `| live lag at ${LIVE_RATE} events/s (recordedAt → receiver) | p99 ${fmt(quantile(lags, 0.99), 0)} ms | target < 2000 ms | p50 ${fmt(quantile(lags, 0.5), 0)} ms, max ${fmt(Math.max(...lags), 0)} ms |`,
      );
    }
  } finally {
    await deliveryReplica?.stop();
    await server.stop();
    await backends.stop();
    receivers.close();
  }
  log(`load after: ${loadAverage()}`);
  log('\nREADME rows:\n| what | figure | target | detail |\n| --- | --- | --- | --- |');
  for (const row of results) log(row);
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
