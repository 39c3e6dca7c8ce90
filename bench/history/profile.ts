import DataLoader from 'dataloader';
import { execute, parse } from 'graphql';
import { getComplexity, simpleEstimator } from 'graphql-query-complexity';
import type { QueryResult } from 'pg';
import { SEALED_VALUES } from '../../src/core/sealed-values';
import { createHistoryLoader, HISTORY_LOADER, type HistoryKey } from '../../src/history/history.loader';
import type { AuditEventConnection } from '../../src/reading/connection.type';
import { createRequestContext, type LoaderKey, type RequestContext } from '../../src/core/context';
import { modules } from '../../src/modules';
import { buildAuditSchema } from '../../src/schema/build-schema';
import { attribute, profileDuring, saveProfile } from '../support/cpu-profile';
import type { BenchServer } from '../support/server';
import { countFields, garbagePerCall, timeProbes } from '../support/probes';
import { fmt, fmtInt, intFromEnv } from '../support/stats';
import { DATASET } from './dataset';
import { FIRST, HISTORY_QUERY, inlineHistoryQuery, representationsOf } from './query';

const ITERATIONS = intFromEnv('BENCH_PROFILE_ITERATIONS', 40);

/** Each CPU sample goes to the first category found on its stack (shield wraps the resolvers: it comes first). */
const HISTORY_CATEGORIES: Array<[string, RegExp]> = [
  ['bench client: fetch, JSON.parse of the answer', / undici$|^viaHttp /],
  [
    'history loader: SQL through knex/pg, rows to connections',
    / src\/history\/| src\/reading\/| (knex|pg|pg-protocol|pg-types|postgres-date|@mikro-orm\/\w+)$/,
  ],
  ['graphql-shield middleware (guarded fields only)', / (graphql-shield|graphql-middleware)$/],
  ['Apollo per-field instrumentation (schemaInstrumentation)', / @apollo\/server\/utils\/schemaInstrumentation$/],
  ['JSON serialisation of the answer (Apollo)', /^prettyJSONStringify /],
  ['graphql-js execution (and type-graphql, scalars)', / (graphql|type-graphql|graphql-scalars|@apollo\/subgraph)$/],
  [
    'HTTP, express, rest of Apollo, auth',
    / (express|router|body-parser|raw-body|jose|@as-integrations\/express5|@apollo\/server\/.*)$|^(parserOnIncoming|onStreamRead|Socket\._writeGeneric) /,
  ],
];

export interface ProfileInput {
  server: BenchServer;
  endpoint: string;
  token: string;
  /** The measured iterations' id sets (the profile reuses the first ITERATIONS of them). */
  sets: string[][];
  rawQuery: (ids: string[]) => Promise<QueryResult>;
}

/**
 * Where the time of one `_entities` history call goes, on the server as src builds it: the same
 * operation and id sets, timed in pieces in this process. "execute()" is graphql-js on the schema of
 * buildAuditSchema() with the loader's answers replayed (no SQL) and an ADMIN of the dataset's tenant.
 */
export async function profileHistory({ server, endpoint, token, rawQuery, ...input }: ProfileInput): Promise<void> {
  const sets = input.sets.slice(0, ITERATIONS);
  const services = server.app.services;
  const expiresAt = Math.floor(Date.now() / 1000) + 3600;
  const auth = {
    principal: { subject: 'admin@acme', tenantId: DATASET.tenant, role: 'ADMIN' as const, email: null, expiresAt },
  };
  const schema = await buildAuditSchema(modules);
  const document = parse(HISTORY_QUERY);
  const variables = sets.map((ids) => ({ representations: representationsOf(ids) }));
  const keysOf = (ids: string[]): HistoryKey[] =>
    ids.map((id) => ({ by: 'entity', entityType: 'Lead', id, first: FIRST, cursor: null, filter: {} }));
  const load = (i: number) =>
    createHistoryLoader(services.knex, services.get(SEALED_VALUES), DATASET.tenant).loadMany(keysOf(sets[i]));
  const answers = new Map<string, AuditEventConnection>();
  for (let i = 0; i < sets.length; i++)
    (await load(i)).forEach((page, index) => answers.set(sets[i][index], page as AuditEventConnection));
  const stubContext = (): RequestContext => {
    const loader = new DataLoader<HistoryKey, AuditEventConnection, string>(
      async (keys) => keys.map((key) => answers.get(key.id)!),
      { cacheKeyFn: (key) => `${key.by}:${key.entityType}:${key.id}` },
    );
    const context = createRequestContext(services, auth, 'bench-profile');
    return {
      ...context,
      loader: <T>(key: LoaderKey<T>) => (key.name === HISTORY_LOADER.name ? loader : context.loader(key)) as T,
    };
  };
  const executeStubbed = async (i: number) => {
    const contextValue = stubContext();
    const result = await execute({ schema, document, variableValues: variables[i], contextValue });
    if (result.errors) throw new Error(`execution failed: ${JSON.stringify(result.errors).slice(0, 300)}`);
    return result;
  };
  const sample = await executeStubbed(0);
  const viaHttp = async (body: string) => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const text = await (await fetch(endpoint, { method: 'POST', headers, body })).text();
    return JSON.parse(text) as { data?: unknown };
  };
  const httpCall = (i: number) => viaHttp(JSON.stringify({ query: HISTORY_QUERY, variables: variables[i] }));
  if (JSON.stringify((await httpCall(0)).data) !== JSON.stringify(sample.data))
    throw new Error('the server and execute() answer differently');
  const estimators = [simpleEstimator({ defaultComplexity: 1 })];
  const complexity = async (i: number) =>
    getComplexity({ schema, query: document, variables: variables[i], estimators });

  const m = await timeProbes(sets.length, {
    http: httpCall,
    raw: (i) => rawQuery(sets[i]),
    loader: load,
    execute: executeStubbed,
    stringify: async () => JSON.stringify(sample),
    complexity,
  });
  const inline = (
    await timeProbes(Math.min(sets.length, 10), {
      inline: (i) => viaHttp(JSON.stringify({ query: inlineHistoryQuery(sets[i]) })),
    })
  ).inline;
  const garbage = await garbagePerCall(Math.min(sets.length, 20), httpCall);
  const profiled = Math.min(sets.length, 20);
  const { profile } = await profileDuring(async () => {
    for (let i = 0; i < profiled; i++) await httpCall(i);
  });
  const split = attribute(profile, HISTORY_CATEGORIES);
  const busy = split.reduce((sum, [, ms]) => sum + ms, 0);

  const fields = countFields(sample.data);
  const row = (label: string, ms: number, note = '') =>
    console.log(`  ${label.padEnd(66)} ${fmt(ms, 1).padStart(7)} ms${note ? `  ${note}` : ''}`);
  const rest = m.http - m.loader - m.execute - m.stringify;
  console.log(
    `\n\`\`\`\nwhere the time goes: ${sets.length} rounds, every probe once a round after a full GC, medians; ` +
      `${fmtInt(fields)} fields in the answer, ${fmtInt(JSON.stringify(sample).length)} bytes`,
  );
  row('_entities over HTTP, end to end', m.http, `(ratio to pg here: ${fmt(m.http / m.raw, 2)})`);
  row('the same SQL with pg', m.raw);
  row('history loader alone (the SQL through knex + rows to connections)', m.loader);
  const perField = `(${fmt((m.execute * 1000) / fields, 2)} µs a field)`;
  row('graphql execute(), server schema, loader stubbed (no SQL)', m.execute, perField);
  row('JSON.stringify of the answer', m.stringify);
  row('complexity estimate (the query-limits plugin)', m.complexity);
  row('_entities over HTTP, representations inlined', inline, '(a new document each time: not cached)');
  row('rest: HTTP, Apollo pipeline, client parse', rest, '(HTTP − loader − execute − stringify)');
  console.log('```\n\n```');
  console.log(`CPU of ${profiled} HTTP calls, sampled: ${fmt(busy / profiled, 1)} ms a call (server and bench client)`);
  for (const [name, ms] of split)
    console.log(`  ${name.padEnd(62)} ${fmt(ms / profiled, 1).padStart(7)} ms  ${fmt((ms / busy) * 100).padStart(5)}%`);
  console.log(`  garbage collected: ${fmt(garbage.mb, 0)} MB and ${fmt(garbage.ms, 1)} ms of GC a call\n\`\`\``);
  console.log(`profile saved: ${saveProfile('history', profile)}`);
}
