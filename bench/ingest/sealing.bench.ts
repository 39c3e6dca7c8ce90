/**
 * Ingest with personal data sealed (PERSONAL_DATA_MASTER_KEY set) against the same ingest with it
 * stored as sent, in the same run; then the history read of the same records on both. See bench/README.md.
 */
import '../support/production-env';
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { backendCpu, cpuSince, ownCpuSeconds } from '../support/cpu';
import { createDatabase, databaseUrl, dropDatabase } from '../support/postgres';
import { postBody, startBenchServer, type BenchServer } from '../support/server';
import { fmt, fmtInt, intFromEnv, loadAverage, machine, median, nowMs } from '../support/stats';
import { BENCH_MASTER_KEY, signBenchToken } from '../support/tokens';
import { makeEvents } from './events';

const BATCH = intFromEnv('BENCH_BATCH', 500);
const WRITERS = intFromEnv('BENCH_WRITERS', 4);
const BATCHES_PER_ROUND = intFromEnv('BENCH_BATCHES', 12);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 3);
const HISTORY_RECORDS = intFromEnv('BENCH_RECORDS', 100);
const HISTORY_FIRST = intFromEnv('BENCH_FIRST', 20);
/** Sets of `HISTORY_RECORDS` Contacts: the first warms up, the others are read in turns. */
const HISTORY_SETS = intFromEnv('BENCH_HISTORY_SETS', 10);
const HISTORY_ITERATIONS = intFromEnv('BENCH_ITERATIONS', 90);
const HISTORY_WARMUP = intFromEnv('BENCH_WARMUP', 10);
/** The gateway's fetch of the records' history, with the personal fields a reader opens. */
const HISTORY = `query($representations: [_Any!]!) { _entities(representations: $representations) {
  ... on Contact { auditHistory(first: ${HISTORY_FIRST}) { edges { node {
    id action occurredAt actor { id email } ipAddress userAgent changes { field oldValue newValue } redactedFields
  } } } } } }`;
const MUTATION = `mutation Record($events: [AuditEventInput!]!) { recordAuditEvents(events: $events) { recorded } }`;
/** Marked personal on every tenant: their changes are sealed under the record's key too. */
const PERSONAL_FIELDS = { entityType: 'Contact', fields: ['address', 'description'] };

interface Side {
  name: 'sealed' | 'as sent';
  database: string;
  server: BenchServer;
  seconds: number[];
  /** CPU seconds during its rounds: this process (its server, and the writers, alike on both sides) and its database's backends. */
  nodeCpu: number;
  postgresCpu: number;
  /** Statements its server sent during its rounds. */
  statements: number;
}

/** Statements sent per database by this process's `pg` clients (knex's and the write path's own). */
const statementsByDatabase = new Map<string, number>();
const query = Client.prototype.query as (...args: unknown[]) => unknown;
Client.prototype.query = function (this: Client, ...args: unknown[]) {
  const database = this.database ?? '';
  statementsByDatabase.set(database, (statementsByDatabase.get(database) ?? 0) + 1);
  return query.apply(this, args);
} as typeof Client.prototype.query;

const tenantOf = (writer: number) => `bench-tenant-${writer}`;

/** Request bodies of one round, the same for both sides: `WRITERS` lists of `BATCHES_PER_ROUND` bodies. */
function roundBodies(round: number): string[][] {
  return Array.from({ length: WRITERS }, (_, writer) =>
    Array.from({ length: BATCHES_PER_ROUND }, (_, batch) =>
      JSON.stringify({
        query: MUTATION,
        variables: { events: makeEvents(((round + 1) * 1000 + writer) * 1000 + batch, tenantOf(writer), BATCH) },
      }),
    ),
  );
}

async function runRound(side: Side, bodies: string[][], token: string, watch: Client): Promise<void> {
  const endpoint = `${side.server.url}/graphql`;
  const backends = await backendCpu(watch, side.database);
  const statements = statementsByDatabase.get(side.database) ?? 0;
  const nodeCpu = ownCpuSeconds();
  const started = nowMs();
  await Promise.all(
    bodies.map(async (writerBodies) => {
      for (const body of writerBodies) await postBody(endpoint, body, token);
    }),
  );
  side.seconds.push((nowMs() - started) / 1000);
  side.nodeCpu += ownCpuSeconds() - nodeCpu;
  side.statements += (statementsByDatabase.get(side.database) ?? 0) - statements;
  side.postgresCpu += cpuSince(backends, await backendCpu(watch, side.database));
}

/**
 * `HISTORY_SETS` × `HISTORY_RECORDS` Contacts with `HISTORY_FIRST` events each (the same bodies on both
 * sides): the actors' values sealed under their keys, the marked changes under each Contact's.
 */
function historyBodies(): string[] {
  const contacts = HISTORY_SETS * HISTORY_RECORDS;
  const events = makeEvents(7, tenantOf(0), contacts * HISTORY_FIRST).map((event, index) => ({
    ...event,
    entityType: 'Contact',
    entityId: `history-contact-${index % contacts}`,
  }));
  return Array.from({ length: Math.ceil(events.length / BATCH) }, (_, batch) =>
    JSON.stringify({ query: MUTATION, variables: { events: events.slice(batch * BATCH, (batch + 1) * BATCH) } }),
  );
}

interface HistoryTimes {
  /** The first read of each set: no value of its records opened before. */
  first: number[];
  /** Later reads of the same sets. */
  again: number[];
}

/**
 * The history fetch of one set of Contacts per iteration on each side, the side going first in turns:
 * set 0 warms up, then sets 1.. in a cycle. Both sides must answer the same events.
 */
async function historyReads(sides: Side[], token: string): Promise<HistoryTimes[]> {
  const body = (set: number) =>
    JSON.stringify({
      query: HISTORY,
      variables: {
        representations: Array.from({ length: HISTORY_RECORDS }, (_, index) => ({
          __typename: 'Contact',
          id: `history-contact-${set * HISTORY_RECORDS + index}`,
        })),
      },
    });
  const post = (side: Side, set: number) => postBody(`${side.server.url}/graphql`, body(set), token);
  const answers = await Promise.all(sides.map((side) => post(side, 0)));
  if (JSON.stringify(answers[0]) !== JSON.stringify(answers[1]))
    throw new Error('the sealed side does not read the same history as the side that stores it as sent');
  const times = sides.map((): HistoryTimes => ({ first: [], again: [] }));
  for (let iteration = 0; iteration < HISTORY_WARMUP + HISTORY_ITERATIONS; iteration++) {
    const measured = iteration - HISTORY_WARMUP;
    const set = measured < 0 ? 0 : 1 + (measured % (HISTORY_SETS - 1));
    for (const index of iteration % 2 === 0 ? [0, 1] : [1, 0]) {
      const started = nowMs();
      await post(sides[index], set);
      if (measured >= 0) times[index][measured < HISTORY_SETS - 1 ? 'first' : 'again'].push(nowMs() - started);
    }
  }
  return times;
}

async function main(): Promise<void> {
  const run = randomBytes(3).toString('hex');
  process.stdout.write(`machine: ${machine()}; load before: ${loadAverage()}\n`);
  const sides: Side[] = [];
  for (const [name, key] of [
    ['sealed', BENCH_MASTER_KEY],
    ['as sent', ''],
  ] as const) {
    const database = `audit_bench_sealing_${run}_${name === 'sealed' ? 'sealed' : 'plain'}`;
    await createDatabase(database);
    // NODE_ENV=test for both, as in the earlier measurements: only the key differs. The write path is the same.
    const server = await startBenchServer(databaseUrl(database), {
      NODE_ENV: 'test',
      PERSONAL_DATA_MASTER_KEY: key,
      ALERT_DETECTORS: 'off',
    });
    sides.push({ name, database, server, seconds: [], nodeCpu: 0, postgresCpu: 0, statements: 0 });
  }
  const service = await signBenchToken({ org: tenantOf(0), role: 'SERVICE', sub: 'bench-writer' });
  // Not in a side's database: its own statements count for neither.
  const watch = new Client({ connectionString: databaseUrl('postgres') });
  await watch.connect();
  try {
    for (let writer = 0; writer < WRITERS; writer++) {
      const admin = await signBenchToken({ org: tenantOf(writer), role: 'ADMIN', sub: 'bench-admin' });
      for (const side of sides)
        await side.server.graphql(
          `mutation($entityType: String!, $fields: [String!]!) { setPersonalFields(entityType: $entityType, fields: $fields) { entityType } }`,
          PERSONAL_FIELDS,
          admin,
        );
    }
    const warmup = roundBodies(-1).map((bodies) => bodies.slice(0, 2));
    for (const side of sides) await runRound(side, warmup, service, watch);
    for (const side of sides) Object.assign(side, { seconds: [], nodeCpu: 0, postgresCpu: 0, statements: 0 });
    for (let round = 0; round < ROUNDS; round++) {
      const bodies = roundBodies(round);
      // The side that goes first alternates: neither always meets a warmer or a busier machine.
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) await runRound(side, bodies, service, watch);
    }
    const events = ROUNDS * WRITERS * BATCHES_PER_ROUND * BATCH;
    const rate = (side: Side) => events / side.seconds.reduce((sum, seconds) => sum + seconds, 0);
    process.stdout.write('\n```\n');
    for (const side of sides)
      process.stdout.write(
        `${side.name.padEnd(8)} ${fmtInt(rate(side))} events/s  (round medians ${fmt(median(side.seconds), 2)} s for ` +
          `${fmtInt(events / ROUNDS)} events)\n`,
      );
    const perEvent = (seconds: number) => (seconds / events) * 1e6;
    for (const side of sides)
      process.stdout.write(
        `${side.name.padEnd(8)} CPU per event: this process ${fmt(perEvent(side.nodeCpu))} µs, its PostgreSQL backends ` +
          `${fmt(perEvent(side.postgresCpu))} µs; ${fmt(side.statements / (events / BATCH))} statements per batch\n`,
      );
    const cpu = (side: Side) => side.nodeCpu + side.postgresCpu;
    process.stdout.write(
      `sealed / as sent: ${fmt(rate(sides[0]) / rate(sides[1]), 2)} (events/s), ${fmt(cpu(sides[1]) / cpu(sides[0]), 2)} (CPU per event)\n`,
    );
    const history = historyBodies();
    for (const side of sides) for (const body of history) await postBody(`${side.server.url}/graphql`, body, service);
    const reader = await signBenchToken({ org: tenantOf(0), role: 'ADMIN', sub: 'bench-reader' });
    const [sealedReads, plainReads] = await historyReads(sides, reader);
    for (const [reads, label] of [
      ['first', 'first read of a set'],
      ['again', 'read again'],
    ] as const)
      process.stdout.write(
        `history, ${label}: _entities of ${HISTORY_RECORDS} Contacts × auditHistory(first: ${HISTORY_FIRST}), ` +
          `personal fields opened, ${sealedReads[reads].length} reads each in turns: median sealed ` +
          `${fmt(median(sealedReads[reads]), 2)} ms, as sent ${fmt(median(plainReads[reads]), 2)} ms: ` +
          `${fmt(median(sealedReads[reads]) / median(plainReads[reads]), 2)}\n`,
      );
    process.stdout.write(`load after: ${loadAverage()}\n\`\`\`\n`);
  } finally {
    await watch.end();
    for (const side of sides) {
      await side.server.stop();
      await dropDatabase(side.database);
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
