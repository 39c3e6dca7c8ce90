import { createTestDatabase, type TestDatabase } from '../support/database';
import { recordEvents } from '../support/events';
import { metricValue } from '../support/metrics';
import { startTestServer, type TestServer } from '../support/server';
import { waitUntil } from '../support/wait';
import { expectDeliveredInOrder, sinkReceiver, type SinkReceiver, type SinkRequest } from './sink-receiver';
import { createStream, newTenant, recordChanges, streamOf, type StreamNode } from './stream-support';

interface Delivered {
  id: string;
  sequence: string;
  actor?: { email: string | null };
  metadata?: { uid: string; sequence: number };
}

let database: TestDatabase;
let receiver: SinkReceiver;
/** Paths whose sink refuses every batch for now. */
const refusing = new Set<string>();
const answered = new Set<SinkRequest>();

/** What the sink at `path` acknowledged, in the order it arrived. */
const deliveredTo = (path: string): Delivered[] =>
  receiver.requests
    .filter((request) => request.path === path && answered.has(request))
    .flatMap((request) => (JSON.parse(request.body) as { events: Delivered[] }).events);

/** The id and sequence of an event in either format the tests use (OCSF keeps them in `metadata`). */
const keyOf = (event: Delivered) =>
  event.metadata ? { id: event.metadata.uid, sequence: String(event.metadata.sequence) } : event;

const env = (extra: Record<string, string> = {}) => ({
  OUTBOUND_ALLOWED_HOSTS: receiver.host,
  STREAM_POLL_MS: '100',
  STREAM_BATCH_WAIT_MS: '0',
  STREAM_RETRY_BASE_MS: '50',
  STREAM_RETRY_MAX_MS: '200',
  STREAM_FAILURES_BEFORE_FAILING: '2',
  // Far beyond a loaded machine's pauses: a lost lease or a timeout would rightly read again.
  STREAM_TIMEOUT_MS: '30000',
  STREAM_LEASE_MS: '60000',
  ...extra,
});

/** Resolves once every stream has delivered everything and all stand at the same sequence (the tenant's head). */
async function allCaughtUp(server: TestServer, admin: string, ids: string[]): Promise<StreamNode[]> {
  let streams: StreamNode[] = [];
  await waitUntil(
    async () => {
      streams = await Promise.all(ids.map((id) => streamOf(server, admin, id)));
      return (
        streams.every((stream) => stream.lagEvents === 0) &&
        new Set(streams.map((stream) => stream.deliveredThroughSequence)).size === 1
      );
    },
    () => `streams not caught up: ${JSON.stringify(streams)}`,
    20_000,
  );
  return streams;
}

/** Counts the statements that read the tenant's events for delivery (not the lag's counts). */
function countEventReads(server: TestServer, tenant: string): { readonly count: number; stop(): void } {
  let count = 0;
  const listener = (query: { sql: string; bindings?: unknown[] }) => {
    if (/from "audit_events"/.test(query.sql) && /order by "e"."sequence"/.test(query.sql))
      if (query.bindings?.includes(tenant)) count++;
  };
  server.app.services.reads.on('query', listener);
  return {
    get count() {
      return count;
    },
    stop: () => server.app.services.reads.off('query', listener),
  };
}

beforeAll(async () => {
  database = await createTestDatabase();
  receiver = await sinkReceiver((request) => {
    if (refusing.has(request.path)) return { status: 503 };
    answered.add(request);
    return { status: 200 };
  });
});
afterAll(async () => {
  await receiver.close();
  await database.drop();
});

describe('streams of one tenant', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, env: env() });
  });
  afterAll(() => server.stop());

  it('read the tenant’s new events once, each filtered, masked and formatted as it says', async () => {
    const tenant = await newTenant();
    const hook = (path: string, extra: Record<string, unknown>) =>
      createStream(server, tenant.admin, {
        kind: 'WEBHOOK',
        endpoint: `${receiver.url}${path}`,
        secret: 'k',
        ...extra,
      });
    const streams = [
      await hook('/whole', { format: 'NATIVE' }),
      await hook('/masked', { format: 'NATIVE', maskPersonalData: true }),
      await hook('/deletes', { format: 'OCSF', match: 'action:DELETE' }),
    ];
    const ids = streams.map((stream) => stream.id);
    await allCaughtUp(server, tenant.admin, ids);
    const before = {
      whole: deliveredTo('/whole').length,
      masked: deliveredTo('/masked').length,
      deletes: deliveredTo('/deletes').length,
    };

    const reads = countEventReads(server, tenant.org);
    const recorded = await recordEvents(server, tenant.service, [
      ...recordChanges(40),
      ...recordChanges(20, { action: 'DELETE', changes: [] }),
    ]);
    await allCaughtUp(server, tenant.admin, ids);
    reads.stop();

    // Three streams, one commit: one statement read the events for all three (each read its own before).
    expect(reads.count).toBe(1);
    const whole = deliveredTo('/whole').slice(before.whole);
    const masked = deliveredTo('/masked').slice(before.masked);
    const deletes = deliveredTo('/deletes').slice(before.deletes).map(keyOf);
    expect(expectDeliveredInOrder(whole, recorded)).toBe(0);
    expect(expectDeliveredInOrder(masked, recorded)).toBe(0);
    expect(expectDeliveredInOrder(deletes, recorded.slice(40))).toBe(0);
    expect(whole.every((event) => event.actor?.email === 'jane@example.com')).toBe(true);
    expect(masked.every((event) => event.actor?.email === null)).toBe(true);
  });
});

describe('a stream that falls behind the others', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, env: env({ STREAM_READ_BUFFER_EVENTS: '20' }) });
  });
  afterAll(() => server.stop());

  it('holds none of them back, reads on its own past the buffer, and then delivers everything in order', async () => {
    const tenant = await newTenant();
    const streams = await Promise.all(
      ['/first', '/second', '/down'].map((path) =>
        createStream(server, tenant.admin, { kind: 'WEBHOOK', endpoint: `${receiver.url}${path}`, secret: 'k' }),
      ),
    );
    const ids = streams.map((stream) => stream.id);
    await allCaughtUp(server, tenant.admin, ids);
    const start = { first: deliveredTo('/first').length, down: deliveredTo('/down').length };
    const ownReadsBefore = await metricValue(server, 'audit_stream_reads_total', { read: 'own' });

    refusing.add('/down');
    const recorded: string[] = [];
    for (let commit = 0; commit < 3; commit++)
      recorded.push(...(await recordEvents(server, tenant.service, recordChanges(30))));
    let state: StreamNode[] = [];
    await waitUntil(
      async () => {
        state = await Promise.all(ids.map((id) => streamOf(server, tenant.admin, id)));
        return state[0].lagEvents === 0 && state[1].lagEvents === 0 && state[2].status === 'FAILING';
      },
      () => `the others are held back: ${JSON.stringify(state)}`,
      20_000,
    );
    expect(state[2].lagEvents).toBe(recorded.length);

    refusing.delete('/down');
    await allCaughtUp(server, tenant.admin, ids);
    expect(expectDeliveredInOrder(deliveredTo('/first').slice(start.first), recorded)).toBe(0);
    expect(expectDeliveredInOrder(deliveredTo('/down').slice(start.down), recorded)).toBe(0);
    expect(await metricValue(server, 'audit_stream_reads_total', { read: 'own' })).toBeGreaterThan(ownReadsBefore);
  });
});
