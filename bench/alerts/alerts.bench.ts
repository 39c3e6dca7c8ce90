/**
 * Alerts: `recordAuditEvents` throughput with every built-in rule enabled against the same ingest
 * with the detectors off (ALERT_DETECTORS=off), in the same run and alternating; then the lag from
 * an event's commit to its alert at a steady 500 events/s. See bench/README.md.
 */
import '../support/production-env';
import 'reflect-metadata';
import { createDatabase, databaseUrl, dropDatabase } from '../support/postgres';
import { postGraphQL, startBenchServer, type BenchServer } from '../support/server';
import { fmt, fmtInt, intFromEnv, machine, median, nowMs, quantile } from '../support/stats';
import { LAG_SECONDS, RATE } from './alert-lag';
import { signBenchToken } from '../support/tokens';
import { alertLag, catchUp } from './alert-lag';
import { makeSecurityEvents } from './security-events';

const BATCH = intFromEnv('BENCH_BATCH', 500);
const WRITERS = intFromEnv('BENCH_WRITERS', 4);
const BATCHES = intFromEnv('BENCH_BATCHES', 16);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 3);
const MUTATION = `mutation Record($events: [AuditEventInput!]!) { recordAuditEvents(events: $events) { recorded } }`;

async function ingest(server: BenchServer, token: string, seed: number): Promise<number> {
  const batches = Array.from({ length: BATCHES }, (_, index) =>
    makeSecurityEvents(seed + index, `tenant-${index % WRITERS}`, BATCH),
  );
  const started = nowMs();
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < batches.length)
        await postGraphQL(`${server.url}/graphql`, MUTATION, { events: batches[next++] }, token);
    }),
  );
  return (BATCHES * BATCH) / ((nowMs() - started) / 1000);
}

async function main(): Promise<void> {
  const names = { off: `bench_alerts_off_${process.pid}`, on: `bench_alerts_on_${process.pid}` };
  await createDatabase(names.off);
  await createDatabase(names.on);
  const off = await startBenchServer(databaseUrl(names.off), { ALERT_DETECTORS: 'off' });
  const on = await startBenchServer(databaseUrl(names.on));
  const token = await signBenchToken({ org: 'bench', role: 'SERVICE', sub: 'bench-writer' });
  try {
    await ingest(off, token, 1);
    await ingest(on, token, 1);
    const rates = { off: [] as number[], on: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      const seed = (round + 1) * 10_000;
      const [first, second] = round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
      rates[first].push(await ingest(first === 'off' ? off : on, token, seed));
      rates[second].push(await ingest(second === 'off' ? off : on, token, seed));
    }
    // The throughput rounds write far above 500 events/s: the lag is measured once that backlog is evaluated.
    const backlogSeconds = await catchUp(on);
    const lags = await alertLag(on, token);
    console.log(`machine: ${machine()}`);
    console.log(
      `ingest, detectors off: ${fmtInt(median(rates.off))} events/s (rounds ${rates.off.map(fmtInt).join(', ')})`,
    );
    console.log(
      `ingest, all built-in rules on: ${fmtInt(median(rates.on))} events/s (rounds ${rates.on.map(fmtInt).join(', ')})`,
    );
    console.log(`ratio on/off: ${fmt(median(rates.on) / median(rates.off), 3)} (required >= 0.9)`);
    console.log(`detectors' backlog after the throughput rounds evaluated in ${fmt(backlogSeconds)} s more`);
    console.log(
      `alert lag at ${RATE} events/s over ${LAG_SECONDS} s: p50 ${fmt(quantile(lags, 0.5) * 1000, 0)} ms, p99 ${fmt(quantile(lags, 0.99) * 1000, 0)} ms, max ${fmt(Math.max(...lags) * 1000, 0)} ms (${lags.length} alerts; required p99 < 2000 ms)`,
    );
  } finally {
    await off.stop();
    await on.stop();
    await dropDatabase(names.off);
    await dropDatabase(names.on);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
