/**
 * Search latency at 10,000,000 events of one tenant: every search form's first page of
 * `auditEvents(first: 50)` and a page deep in its results, over HTTP and as the same SQL with `pg`;
 * the slow forms' plans with the search indexes hidden; ingest with and without those indexes.
 * See bench/README.md.
 */
import '../support/production-env';
import 'reflect-metadata';
import { Client } from 'pg';
import { databaseUrl, describeServer } from '../support/postgres';
import { startBenchServer } from '../support/server';
import { fmt, fmtInt, intFromEnv, loadAverage, machine, median, nowMs, p95 } from '../support/stats';
import { signBenchToken } from '../support/tokens';
import { ensureDataset } from '../history/dataset';
import { watchStatements } from '../history/measure';
import { SEARCH_DATASET } from './dataset';
import { searchForms, type SearchForm } from './forms';
import { compareIngest, SEARCH_INDEXES } from './ingest';
import { planShape, type PlanNode } from './plan-shape';

const DB = process.env.BENCH_SEARCH_DB || 'audit_bench_search_10m';
const ITERATIONS = intFromEnv('BENCH_ITERATIONS', 20);
/** A form whose first answer takes longer than this is measured 3 times only (it is a scan). */
const SLOW_MS = 2_000;
/**
 * 1: also run the issue's rows once with the search indexes hidden (slow: those are the scans of the
 * issue). The statement is today's: a term written as a token check alone then filters the scanned rows
 * on `search_tokens` instead of the comparison it stands for, so read those times as an estimate.
 */
const BEFORE = process.env.BENCH_SEARCH_BEFORE === '1';
/** 1: build (or check) the dataset, then stop: the long load can run ahead of the measurements. */
const BUILD_ONLY = process.env.BENCH_SEARCH_BUILD_ONLY === '1';
/** 0: skip the ingest comparison. */
const INGEST = process.env.BENCH_SEARCH_INGEST !== '0';

const QUERY = `query Search($search: String, $filter: AuditEventFilter, $after: String) {
  auditEvents(first: 50, search: $search, filter: $filter, after: $after) {
    edges { cursor node { id occurredAt action entityType entityId actor { id email } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Page {
  auditEvents: { edges: Array<{ node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

interface Timings {
  httpMs: number[];
  rawMs: number[];
  events: number;
  shape: string;
}

type Statement = { sql: string; bindings: unknown[] };

/** The server answered QUERY_TIMEOUT: the search was cancelled after READ_STATEMENT_TIMEOUT_MS. */
class TimedOut extends Error {
  constructor(readonly ms: number) {
    super(`QUERY_TIMEOUT after ${ms} ms`);
  }
}

async function main(): Promise<void> {
  console.log(`search bench: ${machine()}, load average ${loadAverage()}`);
  const loadBefore = loadAverage();
  const dataset = await ensureDataset(
    DB,
    (line) => console.log(line),
    SEARCH_DATASET,
    process.env.BENCH_SEARCH_RELOAD === '1',
  );
  console.log(
    `dataset: ${fmtInt(dataset.totalEvents)} events (${fmtInt(SEARCH_DATASET.events)} of tenant ${SEARCH_DATASET.tenant}), ` +
      `database ${dataset.database} (${dataset.sizePretty}, ${dataset.reused ? 'reused' : 'loaded now'}), ${dataset.partitions.length} partitions`,
  );
  if (BUILD_ONLY) return;
  const raw = new Client({ connectionString: databaseUrl(DB) });
  await raw.connect();
  await raw.query(`SET statement_timeout = '120s'`);
  await analyzeOnce(raw);
  const span = await raw.query(
    `SELECT min(occurred_at) AS first, max(occurred_at) AS last FROM audit_events WHERE tenant_id = $1`,
    [SEARCH_DATASET.tenant],
  );
  const { first, last } = span.rows[0] as { first: Date; last: Date };
  const middle = new Date((first.getTime() + last.getTime()) / 2);
  const day = middle.toISOString().slice(0, 10);
  const monthStart = `${day.slice(0, 8)}01`;
  const monthEnd = `${day.slice(0, 8)}28`;
  const forms = searchForms(day, [monthStart, monthEnd]);

  const server = await startBenchServer(databaseUrl(DB), { ALERT_DETECTORS: 'off' });
  const rows: string[] = [];
  const slowPlans: string[] = [];
  try {
    console.log(await describeServer(raw));
    const token = await signBenchToken({ org: SEARCH_DATASET.tenant, role: 'ADMIN', sub: 'admin@acme' });
    const endpoint = `${server.url}/graphql`;
    const statements = watchStatements(server);
    const ask = async (form: SearchForm, after: string | null, search = form.search) => {
      statements.take();
      const t0 = nowMs();
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: QUERY, variables: { search, filter: form.filter, after } }),
      });
      const text = await response.text();
      const ms = nowMs() - t0;
      const parsed = JSON.parse(text) as { data?: Page; errors?: Array<{ extensions?: { code?: string } }> };
      if (parsed.errors?.[0]?.extensions?.code === 'QUERY_TIMEOUT') throw new TimedOut(ms);
      if (parsed.errors) throw new Error(`${form.name}: ${text.slice(0, 400)}`);
      // An indexed search reads its page window by window (src/reading/windowed-page.ts): every read counts.
      const reads = statements
        .take()
        .filter((s) => /from "audit_events"/.test(s.sql) && /limit/i.test(s.sql)) as Statement[];
      if (reads.length === 0) throw new Error(`${form.name}: no page statement seen`);
      return { ms, page: parsed.data!.auditEvents, statement: reads[0], reads };
    };
    const measure = async (form: SearchForm, after: string | null): Promise<Timings> => {
      const probe = await ask(form, after);
      const iterations = probe.ms > SLOW_MS ? 3 : ITERATIONS;
      const result: Timings = { httpMs: [], rawMs: [], events: probe.page.edges.length, shape: '' };
      const shapes: string[] = [];
      for (const read of probe.reads) {
        const plan = await raw.query(`EXPLAIN (FORMAT JSON) ${read.sql}`, read.bindings);
        shapes.push(planShape(plan.rows[0]['QUERY PLAN'][0].Plan as PlanNode));
      }
      result.shape = probe.reads.length === 1 ? shapes[0] : `${probe.reads.length} windows: ${shapes.join(' ‖ ')}`;
      for (let i = 0; i < iterations; i++) {
        const runHttp = async () => result.httpMs.push((await ask(form, after)).ms);
        const runRaw = async () => {
          const t0 = nowMs();
          for (const read of probe.reads) await raw.query(read.sql, read.bindings);
          result.rawMs.push(nowMs() - t0);
        };
        for (const run of i % 2 === 0 ? [runHttp, runRaw] : [runRaw, runHttp]) await run();
      }
      return result;
    };

    console.log(`\n${forms.length} forms; ${ITERATIONS} iterations each (3 for a form slower than ${SLOW_MS} ms)`);
    rows.push(
      '| search | kind | first page HTTP p50 / p95 | same SQL p50 / p95 | deep page HTTP p50 / p95 | same SQL p50 / p95 | plan of the first page |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    const ms = (values: number[]) => `${fmt(median(values), 1)} / ${fmt(p95(values), 1)}`;
    for (const form of forms) {
      const label = [form.search && `\`${form.search}\``, form.filter && `filter ${JSON.stringify(form.filter)}`]
        .filter(Boolean)
        .join(' + ');
      const firstPage = await measure(form, null).catch((error: unknown) => {
        if (!(error instanceof TimedOut)) throw error;
        return null;
      });
      if (!firstPage) {
        const row = `| ${label} | ${form.kind} | QUERY_TIMEOUT (READ_STATEMENT_TIMEOUT_MS, 10 s) | | | | a scan of the tenant's log |`;
        rows.push(row);
        console.log(row);
        continue;
      }
      // A cursor half-way through the data: the newest match before the middle instant.
      const deepSearch = `${form.search ?? ''} date:<${middle.toISOString()}`.trim();
      const deepProbe = firstPage.events > 0 ? await ask({ ...form, search: deepSearch }, null) : null;
      const cursor = deepProbe?.page.edges.length ? deepProbe.page.pageInfo.endCursor : null;
      const deep = cursor
        ? await measure(form, cursor).catch((error: unknown) => {
            if (error instanceof TimedOut) return null;
            throw error;
          })
        : null;
      const row = `| ${label} | ${form.kind} | ${ms(firstPage.httpMs)} | ${ms(firstPage.rawMs)} | ${deep ? ms(deep.httpMs) : '—'} | ${deep ? ms(deep.rawMs) : '—'} | ${firstPage.shape} |`;
      rows.push(row);
      console.log(row);
      if (BEFORE && form.issueRow)
        slowPlans.push(await withoutSearchIndexes(raw, form, (await ask(form, null)).statement));
    }
  } finally {
    await server.stop();
  }

  console.log('\n```');
  console.log(
    `search (${machine()}; load average before/after ${loadBefore} / ${loadAverage()}; ${fmtInt(dataset.totalEvents)} stored events, ` +
      `${fmtInt(SEARCH_DATASET.events)} of the tenant searched; milliseconds)`,
  );
  console.log('```');
  console.log(rows.join('\n'));
  if (slowPlans.length > 0) {
    console.log(
      "\nThe issue's rows with the search indexes hidden (dropped in a transaction rolled back), one run each:",
    );
    console.log('| search | time | plan |');
    console.log('| --- | --- | --- |');
    console.log(slowPlans.join('\n'));
  }
  if (INGEST) await compareIngest((line) => console.log(line));
  await raw.end();
}

/** ANALYZE once after the search indexes appear, so that the planner has `search_tokens`' statistics. */
async function analyzeOnce(raw: Client): Promise<void> {
  const done = await raw.query(`SELECT 1 FROM bench_meta WHERE key = 'search-indexes-analyzed'`);
  if (done.rowCount) return;
  const t0 = nowMs();
  await raw.query(`SET statement_timeout = 0`);
  await raw.query('ANALYZE audit_events');
  await raw.query(`SET statement_timeout = '120s'`);
  await raw.query(`INSERT INTO bench_meta VALUES ('search-indexes-analyzed', 'true')`);
  console.log(`ANALYZE audit_events (statistics of search_tokens): ${fmt((nowMs() - t0) / 1000, 0)} s`);
}

/** The form's page statement run once with the search indexes dropped inside a transaction that is rolled back. */
async function withoutSearchIndexes(raw: Client, form: SearchForm, statement: Statement): Promise<string> {
  await raw.query('BEGIN');
  try {
    for (const index of SEARCH_INDEXES) await raw.query(`DROP INDEX ${index}`);
    const t0 = nowMs();
    const plan = await raw.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.sql}`, statement.bindings);
    const label = [form.search && `\`${form.search}\``, form.filter && `filter ${JSON.stringify(form.filter)}`]
      .filter(Boolean)
      .join(' + ');
    return `| ${label} | ${fmt(nowMs() - t0, 0)} ms | ${planShape(plan.rows[0]['QUERY PLAN'][0].Plan as PlanNode)} |`;
  } catch (error) {
    return `| ${form.search ?? JSON.stringify(form.filter)} | > 120 s (cancelled) | ${(error as Error).message} |`;
  } finally {
    await raw.query('ROLLBACK');
  }
}

if (require.main === module)
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
