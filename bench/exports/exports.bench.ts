/**
 * Export throughput: a CSV export of 1,000,000 events (startAuditExport → SUCCEEDED, the file in the
 * object store) against PostgreSQL's own `COPY (SELECT ...) TO STDOUT WITH CSV` of the same rows into a
 * file, in the same run; and the server's resident memory while it exports. See bench/README.md.
 */
import '../support/production-env';
import 'reflect-metadata';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { DATASET, ensureDataset } from '../history/dataset';
import { databaseUrl, describeServer } from '../support/postgres';
import { startBenchServer, type BenchServer } from '../support/server';
import { fmt, fmtInt, intFromEnv, loadAverage, machine, median, nowMs } from '../support/stats';
import { signBenchToken } from '../support/tokens';
import { EVENT_COLUMNS } from '../../src/events/insert-batch';

const DB = process.env.BENCH_EXPORTS_DB || 'audit_bench_exports_history';
const ROUNDS = intFromEnv('BENCH_ROUNDS', 2);
const MB = 1024 * 1024;

/** The columns an event is stored with, without those derived for search and sealing (no export carries them). */
const STORED_COLUMNS = EVENT_COLUMNS.filter(
  (column) => !['search_tokens', 'personal_index', 'ip_sealed'].includes(column),
);

const BASELINE_SQL = `COPY (SELECT ${STORED_COLUMNS.join(', ')} FROM audit_events WHERE tenant_id = '${DATASET.tenant}'
  ORDER BY occurred_at DESC, id DESC) TO STDOUT WITH CSV`;

/** PostgreSQL writes the rows as CSV; the bench only moves the bytes to a file. */
async function baseline(url: string, file: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const started = nowMs();
    await pipeline(client.query(copyTo(BASELINE_SQL)), createWriteStream(file));
    return nowMs() - started;
  } finally {
    await client.end();
  }
}

/** One export through the API, from the request to SUCCEEDED; RSS sampled meanwhile. */
async function exportOnce(
  server: BenchServer,
  token: string,
): Promise<{ ms: number; rows: number; bytes: number; rssGrowthMb: number }> {
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  const started = nowMs();
  const { startAuditExport } = await server
    .graphql<{ data: { startAuditExport: { id: string } } }>(
      `mutation { startAuditExport(input: { format: CSV }) { id } }`,
      {},
      token,
    )
    .then((body: any) => body.data ?? body);
  for (;;) {
    const body: any = await server.graphql(
      `query($id: ID!) { auditExport(id: $id) { status rowsWritten bytes error } }`,
      { id: startAuditExport.id },
      token,
    );
    const view = (body.data ?? body).auditExport;
    if (view.status === 'SUCCEEDED' || view.status === 'FAILED') {
      clearInterval(sampler);
      if (view.status === 'FAILED') throw new Error(`the export failed: ${view.error}`);
      return {
        ms: nowMs() - started,
        rows: view.rowsWritten,
        bytes: view.bytes,
        rssGrowthMb: (rssPeak - rssBefore) / MB,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  console.log(`exports bench: ${machine()}, load average ${loadAverage()}`);
  const loadBefore = loadAverage();
  const dataset = await ensureDataset(DB, (line) => console.log(line));
  console.log(
    `dataset: ${fmtInt(dataset.tenantEvents)} events of tenant ${DATASET.tenant} in ${dataset.database} (${dataset.sizePretty}, ${dataset.reused ? 'reused' : 'loaded now'})`,
  );
  const folder = await mkdtemp(path.join(tmpdir(), 'audit-bench-exports-'));
  const server = await startBenchServer(databaseUrl(DB), {
    ARCHIVE_URL: path.join(folder, 'store'),
    EXPORT_URL_SECRET: 'bench-export-url-secret',
    EXPORT_POLL_MS: '200',
    ALERT_DETECTORS: 'off',
  });
  const raw = new Client({ connectionString: databaseUrl(DB) });
  await raw.connect();
  try {
    console.log(await describeServer(raw));
    const token = await signBenchToken({ org: DATASET.tenant, role: 'ADMIN', sub: 'admin@acme' });
    const copies: number[] = [];
    const exports: Array<{ ms: number; rows: number; bytes: number; rssGrowthMb: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      copies.push(await baseline(databaseUrl(DB), path.join(folder, 'baseline.csv')));
      exports.push(await exportOnce(server, token));
      console.log(
        `  round ${round + 1}: COPY ${fmt(copies.at(-1)! / 1000, 2)} s, export ${fmt(exports.at(-1)!.ms / 1000, 2)} s (${fmtInt(exports.at(-1)!.rows)} rows, ${fmt(exports.at(-1)!.bytes / MB, 0)} MB, RSS +${fmt(exports.at(-1)!.rssGrowthMb, 1)} MB)`,
      );
    }
    const rows = exports[0].rows;
    const copyRate = rows / (median(copies) / 1000);
    const exportRate = rows / (median(exports.map((e) => e.ms)) / 1000);
    const rssGrowth = Math.max(...exports.map((e) => e.rssGrowthMb));
    console.log('\n```');
    console.log(`rows exported                     ${fmtInt(rows)} (CSV, ${fmt(exports[0].bytes / MB, 0)} MB)`);
    console.log(`COPY ... TO STDOUT WITH CSV       ${fmtInt(copyRate)} rows/s (median of ${ROUNDS})`);
    console.log(`startAuditExport → SUCCEEDED      ${fmtInt(exportRate)} rows/s (median of ${ROUNDS})`);
    console.log(`ratio export / COPY               ${fmt(exportRate / copyRate, 2)} (target ≥ 0.5)`);
    console.log(`server RSS growth while exporting ${fmt(rssGrowth, 1)} MB (target < 100 MB)`);
    console.log(`load average                      ${loadBefore} before, ${loadAverage()} after`);
    console.log('```');
  } finally {
    await raw.end();
    await server.stop();
    await rm(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
