/**
 * History read latency: the gateway's `_entities` call for 100 Leads' `auditHistory(first: 20)`,
 * over HTTP, against the same history SQL run directly with `pg`, on ≥ 1,000,000 stored events.
 * See bench/README.md.
 */
import '../support/production-env';
import 'reflect-metadata';
import { Client } from 'pg';
import { databaseUrl, describeServer } from '../support/postgres';
import { startBenchServer } from '../support/server';
import { fmt, fmtInt, intFromEnv, loadAverage, machine, mean, median, p95 } from '../support/stats';
import { signBenchToken } from '../support/tokens';
import { DATASET, ensureDataset } from './dataset';
import { bindingsFor, captureLoaderSql, measure, watchStatements } from './measure';
import { profileHistory } from './profile';
import { FIRST, RECORDS, idSets } from './query';

const DB = process.env.BENCH_HISTORY_DB || 'audit_bench_history';
const ITERATIONS = intFromEnv('BENCH_ITERATIONS', 200);
const WARMUP = intFromEnv('BENCH_WARMUP', 20);
/** 0: skip the breakdown of where the GraphQL time goes. */
const PROFILE = process.env.BENCH_PROFILE !== '0';
/**
 * The alert detectors (src/alerts) evaluate new events in the background. A read-only run writes none,
 * so they would be idle, except that on a freshly loaded dataset they start by catching up on all of
 * it (the load goes round the write path): off unless BENCH_ALERT_DETECTORS=on.
 */
const ALERT_DETECTORS = process.env.BENCH_ALERT_DETECTORS || 'off';

async function main(): Promise<void> {
  console.log(`history bench: ${machine()}, load average ${loadAverage()}`);
  const loadBefore = loadAverage();
  const dataset = await ensureDataset(DB, (line) => console.log(line));
  console.log(
    `dataset: ${fmtInt(dataset.totalEvents)} events (${fmtInt(DATASET.events)} of tenant ${DATASET.tenant}) over ${fmtInt(DATASET.entities)} records, ` +
      `database ${dataset.database} (${dataset.sizePretty}, ${dataset.reused ? 'reused' : 'loaded now'}), partitions ${dataset.partitions.join(', ')}`,
  );

  const server = await startBenchServer(databaseUrl(DB), { ALERT_DETECTORS });
  const raw = new Client({ connectionString: databaseUrl(DB) });
  await raw.connect();
  try {
    console.log(await describeServer(raw));
    const token = await signBenchToken({ org: DATASET.tenant, role: 'ADMIN', sub: 'admin@acme' });
    const endpoint = `${server.url}/graphql`;
    const sets = idSets(WARMUP + ITERATIONS);
    const statements = watchStatements(server);
    const { captured, answer } = await captureLoaderSql(endpoint, token, sets[0], statements, raw);
    const rawQuery = (ids: string[]) => raw.query(captured.sql, bindingsFor(captured, ids));
    const eventsPerCall = answer._entities.reduce((sum, entity) => sum + entity.auditHistory!.edges.length, 0);

    if (process.env.BENCH_EXPLAIN === '1') {
      const plan = await raw.query(`EXPLAIN (ANALYZE, BUFFERS) ${captured.sql}`, bindingsFor(captured, sets[0]));
      console.log(`the loader's statement:\n${captured.sql}\n${plan.rows.map((row) => row['QUERY PLAN']).join('\n')}`);
    }

    const now = await measure(endpoint, token, sets, WARMUP, statements, captured, rawQuery);

    const line = (name: string, values: number[]) =>
      `  ${name.padEnd(44)} median ${fmt(median(values), 2).padStart(7)} ms  p95 ${fmt(p95(values), 2).padStart(7)} ms  mean ${fmt(mean(values), 2).padStart(7)} ms`;
    const ratio = median(now.gqlMs) / median(now.rawMs);
    console.log('');
    console.log('```');
    console.log(`history (${machine()}; load average before/after ${loadBefore} / ${loadAverage()})`);
    console.log(
      `  ${fmtInt(dataset.totalEvents)} stored events; _entities of ${RECORDS} Leads × auditHistory(first: ${FIRST}) = ${eventsPerCall} events, ` +
        `${fmtInt(now.bytes)} bytes of JSON; ${ITERATIONS} iterations after ${WARMUP} warm-up; ` +
        `${now.mostLogStatements} SQL statement per request at most; alert detectors ${ALERT_DETECTORS}`,
    );
    console.log(line('_entities over HTTP (ADMIN token)', now.gqlMs));
    console.log(line('  of which the SQL inside (knex)', now.sqlInServerMs));
    console.log(line('  of which JSON.parse in the client', now.clientParseMs));
    console.log(line('same SQL, pg directly', now.rawMs));
    console.log(
      `  ratio of medians ${fmt(ratio, 2)} (target <= 2.00): ${ratio <= 2 ? 'MET' : 'MISSED'}; ratio of p95 ${fmt(p95(now.gqlMs) / p95(now.rawMs), 2)}`,
    );
    console.log('```');
    const ms = (values: number[]) => `median ${fmt(median(values), 0)} ms, p95 ${fmt(p95(values), 0)} ms`;
    console.log('');
    console.log(`README rows (history, ${fmtInt(dataset.totalEvents)} stored events, ${ITERATIONS} iterations):`);
    console.log('| measure | figure |');
    console.log('| --- | --- |');
    console.log(
      `| \`_entities\` of ${RECORDS} Leads × \`auditHistory(first: ${FIRST})\` over HTTP | ${ms(now.gqlMs)} |`,
    );
    console.log(`| the same history SQL with \`pg\`, same run | ${ms(now.rawMs)} |`);
    console.log(`| ratio of medians (target ≤ 2) | ${fmt(ratio, 2)} |`);

    if (PROFILE) await profileHistory({ server, endpoint, token, sets: sets.slice(WARMUP), rawQuery });
  } finally {
    await raw.end();
    await server.stop();
  }
}

if (require.main === module)
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
