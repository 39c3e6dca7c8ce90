/**
 * auditStats over 1,000,000 events of 30 days grouped by day and action, through GraphQL over HTTP,
 * against the same aggregate run directly with `pg`, alternated in the same run. Target: ratio ≤ 1.5.
 */
import '../support/production-env';
import 'reflect-metadata';
import { Client } from 'pg';
import { databaseUrl, describeServer } from '../support/postgres';
import { startBenchServer } from '../support/server';
import { fmt, intFromEnv, machine, median, nowMs } from '../support/stats';
import { signBenchToken } from '../support/tokens';
import { ensureStatsDataset, STATS_DATASET } from './dataset';

const DATABASE = 'bench_stats';
const ROUNDS = intFromEnv('BENCH_ROUNDS', 9);
const WARMUP = intFromEnv('BENCH_WARMUP', 2);

const QUERY = `query($from: DateTime!, $to: DateTime!) {
  auditStats(filter: { from: $from, to: $to }, groupBy: [ACTION], interval: DAY) { total groups { bucket action count } }
}`;
const DIRECT = `SELECT date_trunc('day', occurred_at, 'UTC') AS bucket, action, count(*)::int AS count
FROM audit_events WHERE tenant_id = $1 AND occurred_at >= $2 AND occurred_at <= $3
GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2`;

async function main(): Promise<void> {
  const window = await ensureStatsDataset(DATABASE, (line) => console.log(line));
  const server = await startBenchServer(databaseUrl(DATABASE));
  const client = new Client({ connectionString: databaseUrl(DATABASE) });
  await client.connect();
  const token = await signBenchToken({ org: STATS_DATASET.tenant, role: 'ADMIN', sub: 'bench-admin' });
  const variables = { from: window.from.toISOString(), to: window.to.toISOString() };
  const api: number[] = [];
  const direct: number[] = [];
  let groups = 0;
  let total = 0;
  try {
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      let started = nowMs();
      const result = await server.graphql<{ auditStats: { total: number; groups: unknown[] } }>(
        QUERY,
        variables,
        token,
      );
      const apiMs = nowMs() - started;
      started = nowMs();
      const { rows } = await client.query(DIRECT, [STATS_DATASET.tenant, window.from, window.to]);
      const directMs = nowMs() - started;
      if (result.auditStats.groups.length !== rows.length)
        throw new Error(`group counts differ: ${result.auditStats.groups.length} vs ${rows.length}`);
      groups = rows.length;
      total = result.auditStats.total;
      if (round >= WARMUP) {
        api.push(apiMs);
        direct.push(directMs);
      }
    }
    console.log(`\n${machine()}\n${await describeServer(client)}`);
    console.log(
      `auditStats grouped by day and action: ${total} events, ${groups} groups, ${ROUNDS} rounds after ${WARMUP} warm-up`,
    );
    console.log(`  GraphQL over HTTP  median ${fmt(median(api))} ms   (min ${fmt(Math.min(...api))})`);
    console.log(`  direct SQL (pg)    median ${fmt(median(direct))} ms   (min ${fmt(Math.min(...direct))})`);
    const ratio = median(api) / median(direct);
    console.log(`  ratio ${fmt(ratio, 2)}x (target ≤ 1.5x): ${ratio <= 1.5 ? 'PASS' : 'FAIL'}`);
  } finally {
    await client.end();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
