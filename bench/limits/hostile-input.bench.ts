/**
 * How long the hostile requests of issue 10 take to be refused: the chains of fragments that each
 * spread the next twice (24 and 30 levels, over HTTP without a token and over WebSocket), and a
 * 90 KB negated search on a tenant of 30 events; and /healthz while four 30-level chains are sent.
 * The baseline is the smallest request there is, answered by the same server in the same run.
 */
import '../support/production-env';
import 'reflect-metadata';
import { loadavg } from 'node:os';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createDatabase, databaseUrl, dropDatabase } from '../support/postgres';
import { postGraphQL, startBenchServer } from '../support/server';
import { fmt, intFromEnv, machine, median, nowMs } from '../support/stats';
import { signBenchToken } from '../support/tokens';

const DATABASE = 'bench_limits';
const ROUNDS = intFromEnv('BENCH_ROUNDS', 9);

function fragmentChain(levels: number, operation: string): string {
  const fragments = Array.from(
    { length: levels },
    (_, level) => `fragment F${level} on AuditEvent { id ...F${level + 1} ...F${level + 1} }`,
  );
  return `${operation}\n${fragments.join('\n')}\nfragment F${levels} on AuditEvent { id }`;
}

const httpChain = (levels: number) => fragmentChain(levels, '{ auditEvents(first: 1) { edges { node { ...F0 } } } }');

function negatedSearch(length: number): string {
  let search = '';
  for (let i = 0; search.length < length; i++) search += `-word${i} `;
  return search.slice(0, length);
}

/** Resolves with the refusal's code; throws when the request was not refused. */
async function refusal(url: string, query: string, variables: Record<string, unknown>, token = ''): Promise<string> {
  try {
    await postGraphQL(url, query, variables, token);
  } catch (error) {
    const code = /"code":"([A-Z_]+)"/.exec(String(error))?.[1];
    if (code) return code;
    throw error;
  }
  throw new Error('the request was not refused');
}

async function timed(rounds: number, work: () => Promise<unknown>): Promise<{ median: number; max: number }> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = nowMs();
    await work();
    times.push(nowMs() - started);
  }
  return { median: median(times), max: Math.max(...times) };
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0];
  await dropDatabase(DATABASE);
  await createDatabase(DATABASE);
  const server = await startBenchServer(databaseUrl(DATABASE));
  const endpoint = `${server.url}/graphql`;
  try {
    const service = await signBenchToken({ org: 'acme', role: 'SERVICE', sub: 'bench-service' });
    const admin = await signBenchToken({ org: 'acme', role: 'ADMIN', sub: 'bench-admin' });
    const events = Array.from({ length: 30 }, (_, i) => ({ actor: { id: `u${i % 3}` }, action: 'LOGIN' }));
    await server.graphql(
      'mutation($e: [AuditEventInput!]!) { recordAuditEvents(events: $e) { recorded } }',
      { e: events },
      service,
    );

    const socket = createClient({
      url: endpoint.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { Authorization: `Bearer ${admin}` },
    });
    const overSocket = (query: string) =>
      new Promise<void>((resolve, reject) =>
        socket.subscribe(
          { query },
          {
            next: () => reject(new Error('not refused')),
            error: () => resolve(),
            complete: () => reject(new Error('not refused')),
          },
        ),
      );

    const rows: Array<[string, { median: number; max: number }]> = [
      ['baseline: `{ __typename }` over HTTP', await timed(ROUNDS, () => server.graphql('{ __typename }', {}, admin))],
    ];
    for (const levels of [24, 30]) {
      rows.push([
        `fragment chain, ${levels} levels, HTTP without a token`,
        await timed(ROUNDS, () => refusal(endpoint, httpChain(levels), {})),
      ]);
      const subscription = fragmentChain(levels, 'subscription { auditEventRecorded { ...F0 } }');
      rows.push([`fragment chain, ${levels} levels, WebSocket`, await timed(ROUNDS, () => overSocket(subscription))]);
    }
    const search = negatedSearch(90 * 1024);
    rows.push([
      '90 KB negated search, ADMIN',
      await timed(ROUNDS, () =>
        refusal(endpoint, 'query($s: String) { auditEvents(search: $s) { edges { cursor } } }', { s: search }, admin),
      ),
    ]);
    const health: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const chains = Array.from({ length: 4 }, () => refusal(endpoint, httpChain(30), {}));
      const started = nowMs();
      const response = await fetch(`${server.url}/healthz`);
      health.push(nowMs() - started);
      if (response.status !== 200) throw new Error(`/healthz answered ${response.status}`);
      await Promise.all(chains);
    }
    rows.push(['/healthz while four 30-level chains are sent', { median: median(health), max: Math.max(...health) }]);
    await socket.dispose();

    const load = `load average before/after ${fmt(loadBefore)} / ${fmt(loadavg()[0])}`;
    console.log(`\n${machine()}; ${load}; ${ROUNDS} rounds each\n`);
    console.log('| request | median ms | max ms |\n| --- | ---: | ---: |');
    for (const [name, time] of rows) console.log(`| ${name} | ${fmt(time.median)} | ${fmt(time.max)} |`);
  } finally {
    await server.stop();
    await dropDatabase(DATABASE);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
