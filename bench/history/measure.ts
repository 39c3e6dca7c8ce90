/** The measured loop of the history bench: the _entities call over HTTP and the same SQL with pg, alternately. */
import type { Client } from 'pg';
import { postBody, type BenchServer } from '../support/server';
import { nowMs } from '../support/stats';
import { FIRST, HISTORY_QUERY, RECORDS, representationsOf } from './query';

export interface HistoryData {
  _entities: Array<{ auditHistory: { edges: Array<{ node: { id: string } }> } | null }>;
}

/** The loader's statement, captured from knex's `query` event, with the position of the ids parameter. */
export interface CapturedSql {
  sql: string;
  bindings: unknown[];
  idsIndex: number;
}

/** The captured statement's bindings with `ids` in place of the ids it was captured with. */
export const bindingsFor = (captured: CapturedSql, ids: string[]) =>
  captured.bindings.map((binding, index) => (index === captured.idsIndex ? ids : binding));

/** Times every statement the server's knex runs (from `query` to `query-response`), by request. */
export function watchStatements(server: BenchServer) {
  const started = new Map<string, number>();
  let statements: Array<{ sql: string; bindings: unknown[]; ms: number }> = [];
  // Reads of the log go through the read pool; the shared pool serves everything else.
  for (const knex of [server.app.services.reads, server.app.services.knex]) {
    knex.on('query', (query: { __knexQueryUid: string }) => started.set(query.__knexQueryUid, nowMs()));
    knex.on(
      'query-response',
      (_response: unknown, query: { __knexQueryUid: string; sql: string; bindings: unknown[] }) => {
        const t0 = started.get(query.__knexQueryUid);
        started.delete(query.__knexQueryUid);
        if (t0 !== undefined) statements.push({ sql: query.sql, bindings: query.bindings, ms: nowMs() - t0 });
      },
    );
  }
  return {
    /** The statements run since the last call. */
    take() {
      const taken = statements;
      statements = [];
      return taken;
    },
  };
}

export interface Measured {
  gqlMs: number[];
  rawMs: number[];
  sqlInServerMs: number[];
  clientParseMs: number[];
  bytes: number;
  /** The most statements on audit_events seen during one request (1: the loader's, as it should be). */
  mostLogStatements: number;
}

/**
 * The _entities call over HTTP and the same SQL with pg, alternately (the one going first
 * alternating too, so that neither always finds the other's pages freshly cached), for each id set.
 * The first `warmup` sets are not recorded.
 */
export async function measure(
  endpoint: string,
  token: string,
  sets: string[][],
  warmup: number,
  statements: ReturnType<typeof watchStatements>,
  captured: CapturedSql,
  rawQuery: (ids: string[]) => Promise<unknown>,
): Promise<Measured> {
  const result: Measured = {
    gqlMs: [],
    rawMs: [],
    sqlInServerMs: [],
    clientParseMs: [],
    bytes: 0,
    mostLogStatements: 0,
  };
  statements.take();
  for (let i = 0; i < sets.length; i++) {
    const ids = sets[i];
    const body = JSON.stringify({ query: HISTORY_QUERY, variables: { representations: representationsOf(ids) } });
    const measured = i >= warmup;
    const runGraphQL = async () => {
      const t0 = nowMs();
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      const text = await response.text();
      const t1 = nowMs();
      const parsed = JSON.parse(text) as { errors?: unknown };
      const t2 = nowMs();
      if (parsed.errors) throw new Error(`GraphQL errors: ${text.slice(0, 500)}`);
      // Statements reading the log while the request ran (background work of other features would count too).
      const taken = statements.take().filter((s) => /audit_events/.test(s.sql));
      const loaderStatement = taken.find((s) => s.sql === captured.sql);
      if (!loaderStatement) throw new Error('the request did not run the loader statement');
      result.mostLogStatements = Math.max(result.mostLogStatements, taken.length);
      if (measured) {
        result.gqlMs.push(t2 - t0);
        result.clientParseMs.push(t2 - t1);
        result.sqlInServerMs.push(loaderStatement.ms);
        result.bytes = text.length;
      }
    };
    const runRaw = async () => {
      const t0 = nowMs();
      await rawQuery(ids);
      if (measured) result.rawMs.push(nowMs() - t0);
    };
    for (const run of i % 2 === 0 ? [runGraphQL, runRaw] : [runRaw, runGraphQL]) await run();
  }
  return result;
}

/** Captures the loader's statement from one request, and checks the raw SQL returns what the answer is made of. */
export async function captureLoaderSql(
  endpoint: string,
  token: string,
  ids: string[],
  statements: ReturnType<typeof watchStatements>,
  raw: Client,
): Promise<{ captured: CapturedSql; answer: HistoryData }> {
  statements.take();
  const answer = await postBody<HistoryData>(
    endpoint,
    JSON.stringify({ query: HISTORY_QUERY, variables: { representations: representationsOf(ids) } }),
    token,
  );
  const seen = statements.take().filter((s) => /CROSS JOIN LATERAL/.test(s.sql));
  if (seen.length !== 1)
    throw new Error(
      `expected the loader's one statement, saw ${seen.length}: ${seen.map((s) => s.sql.slice(0, 80)).join(' | ')}`,
    );
  const idsIndex = seen[0].bindings.findIndex((b) => Array.isArray(b) && b.length === RECORDS && b[0] === ids[0]);
  if (idsIndex < 0) throw new Error('could not find the ids among the captured bindings');
  const captured: CapturedSql = { sql: seen[0].sql, bindings: seen[0].bindings, idsIndex };
  // The raw statement returns the rows the answer is made of (first + 1 per record, for hasNextPage).
  const check = await raw.query(captured.sql, bindingsFor(captured, ids));
  const rawIds = ids.map((_, index) =>
    check.rows
      .filter((row) => Number(row.ord) === index + 1)
      .slice(0, FIRST)
      .map((row) => row.id as string),
  );
  const gqlIds = answer._entities.map((entity) => entity.auditHistory!.edges.map((edge) => edge.node.id));
  if (JSON.stringify(rawIds) !== JSON.stringify(gqlIds)) throw new Error('the raw SQL and the GraphQL answer differ');
  return { captured, answer };
}
