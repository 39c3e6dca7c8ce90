import { createHmac } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { recordEvents } from '../support/events';
import { metricValue } from '../support/metrics';
import { startTestServer, type TestServer } from '../support/server';
import { waitUntil } from '../support/wait';
import { expectDeliveredInOrder, sinkReceiver, type SinkReceiver, type SinkRequest } from './sink-receiver';
import { caughtUp, createStream, newTenant, recordChanges, streamOf } from './stream-support';

const ALERTS = `{ alerts(first: 10) { edges { node { severity summary rule { key } events { id } } } } }`;

/** The events of every 2xx-answered batch, in the order they were received. */
const acknowledged = (receiver: SinkReceiver, stream: string, answered: Set<SinkRequest>) =>
  receiver.requests
    .filter((request) => answered.has(request))
    .map(
      (request) =>
        JSON.parse(request.body) as { stream: { id: string }; events: Array<{ id: string; sequence: string }> },
    )
    .filter((batch) => batch.stream.id === stream)
    .flatMap((batch) => batch.events);

let database: TestDatabase;
let receiver: SinkReceiver;
/** The requests answered 2xx: the only ones whose events count as received. */
const answered = new Set<SinkRequest>();
let behaviour: (request: SinkRequest) => 'ok' | 'slow' | 'unavailable' | 'throttle' | 'hang' | 'close' = () => 'ok';
const env = () => ({
  OUTBOUND_ALLOWED_HOSTS: receiver.host,
  STREAM_POLL_MS: '100',
  STREAM_RETRY_BASE_MS: '50',
  STREAM_RETRY_MAX_MS: '200',
  STREAM_TIMEOUT_MS: '400',
  STREAM_FAILURES_BEFORE_FAILING: '3',
  STREAM_LEASE_MS: '1500',
});

beforeAll(async () => {
  database = await createTestDatabase();
  receiver = await sinkReceiver((request) => {
    const what = behaviour(request);
    if (what === 'ok' || what === 'slow') {
      answered.add(request);
      return { status: 200, delayMs: what === 'slow' ? 300 : 0 };
    }
    if (what === 'unavailable') return { status: 503 };
    if (what === 'throttle') return { status: 429, headers: { 'retry-after': '0' } };
    return what;
  });
});
afterAll(async () => {
  await receiver.close();
  await database.drop();
});
afterEach(() => {
  behaviour = () => 'ok';
});

describe('webhook streams', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, env: env() });
  });
  afterAll(() => server.stop());

  it('delivers every matching event, signed, in order, and only its tenant’s', async () => {
    const [tenant, other] = [await newTenant(), await newTenant()];
    const stream = await createStream(server, tenant.admin, {
      kind: 'WEBHOOK',
      endpoint: `${receiver.url}/hook`,
      secret: 'stream-hmac',
      match: 'action:UPDATE -user:bot',
    });
    await recordEvents(server, other.service, recordChanges(5));
    const ids = await recordEvents(server, tenant.service, recordChanges(30));
    await recordEvents(server, tenant.service, recordChanges(5, { actor: { id: 'bot' } }));
    const more = await recordEvents(server, tenant.service, recordChanges(20));
    const state = await caughtUp(server, tenant.admin, stream.id);
    expect(expectDeliveredInOrder(acknowledged(receiver, stream.id, answered), [...ids, ...more])).toBe(0);
    expect(state).toMatchObject({ status: 'ACTIVE', lastError: null, deliveredEvents: 50 });
    const request = receiver.requests.find((sent) => sent.body.includes(stream.id))!;
    const signature = createHmac('sha256', 'stream-hmac')
      .update(`${request.headers['x-audit-timestamp']}.${request.body}`)
      .digest('hex');
    expect(request.headers['x-audit-signature']).toBe(`sha256=${signature}`);
    expect(request.headers['x-audit-delivery']).toMatch(new RegExp(`^${stream.id}:\\d+-\\d+$`));
    expect(await metricValue(server, 'audit_stream_events_delivered_total', { stream: stream.id })).toBe(50);
    expect(await metricValue(server, 'audit_stream_lag_events', { stream: stream.id })).toBe(0);
  });

  it('keeps its place through 503s, 429s, timeouts and connections closed mid-batch: FAILING and an alert, then all', async () => {
    const tenant = await newTenant();
    const stream = await createStream(server, tenant.admin, {
      kind: 'WEBHOOK',
      endpoint: `${receiver.url}/hook`,
      secret: 'k',
      match: 'action:UPDATE',
    });
    const failures = ['unavailable', 'throttle', 'hang', 'close', 'unavailable'] as const;
    let failed = 0;
    behaviour = (request) => (request.body.includes(stream.id) && failed < failures.length ? failures[failed++] : 'ok');
    const ids = await recordEvents(server, tenant.service, recordChanges(25));
    let outage: Awaited<ReturnType<typeof streamOf>> | undefined;
    await waitUntil(
      async () => {
        outage = await streamOf(server, tenant.admin, stream.id);
        return outage.status === 'FAILING' || outage.lagEvents === 0;
      },
      () => JSON.stringify(outage),
    );
    const later = await recordEvents(server, tenant.service, recordChanges(10));
    const done = await caughtUp(server, tenant.admin, stream.id);
    expect(expectDeliveredInOrder(acknowledged(receiver, stream.id, answered), [...ids, ...later])).toBe(0);
    expect(failed).toBe(failures.length);
    expect(done).toMatchObject({ status: 'ACTIVE', failedAttempts: failures.length, lastError: null });
    const alerts = (await server.graphql(ALERTS, {}, tenant.admin)).data!.alerts.edges.map(
      (edge: { node: unknown }) => edge.node,
    );
    expect(alerts).toEqual([
      expect.objectContaining({ severity: 'HIGH', rule: { key: 'system:stream-failing' }, events: [{ id: ids[0] }] }),
    ]);
    expect(await metricValue(server, 'audit_stream_delivery_failures_total', { stream: stream.id })).toBe(5);
  });

  it('sends a batch the sink did not acknowledge again with the same ids, and nothing else twice', async () => {
    const tenant = await newTenant();
    const stream = await createStream(server, tenant.admin, {
      kind: 'WEBHOOK',
      endpoint: `${receiver.url}/hook`,
      secret: 'k',
      match: 'action:UPDATE',
    });
    // The sink stores the batch but its answer is lost: the sender must send it again.
    let lost = false;
    const all: SinkRequest[] = [];
    behaviour = (request) => {
      if (!request.body.includes(stream.id)) return 'ok';
      all.push(request);
      if (!lost) {
        lost = true;
        return 'hang';
      }
      return 'ok';
    };
    const ids = await recordEvents(server, tenant.service, recordChanges(12));
    await caughtUp(server, tenant.admin, stream.id);
    const everything = all.flatMap(
      (request) => (JSON.parse(request.body) as { events: Array<{ id: string; sequence: string }> }).events,
    );
    const repeats = expectDeliveredInOrder(everything, ids);
    expect(repeats).toBeGreaterThan(0);
    const firstBatch = (JSON.parse(all[0].body) as { events: Array<{ id: string }> }).events.map((event) => event.id);
    expect(everything.slice(firstBatch.length, firstBatch.length * 2).map((event) => event.id)).toEqual(firstBatch);
  });
});

describe('a stream’s connection to its sink', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Timeouts and leases far beyond a loaded machine's pauses: a retry would rightly open a new connection.
    server = await startTestServer({
      database,
      env: { ...env(), STREAM_TIMEOUT_MS: '30000', STREAM_LEASE_MS: '60000' },
    });
  });
  afterAll(() => server.stop());

  it('keeps one connection to its sink from batch to batch', async () => {
    const tenant = await newTenant();
    const stream = await createStream(server, tenant.admin, {
      kind: 'WEBHOOK',
      endpoint: `${receiver.url}/hook`,
      secret: 'stream-hmac',
    });
    for (let batch = 0; batch < 3; batch++) {
      await recordEvents(server, tenant.service, recordChanges(5));
      await caughtUp(server, tenant.admin, stream.id);
    }
    const sent = receiver.requests.filter((request) => request.body.includes(stream.id));
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(new Set(sent.map((request) => request.connection)).size).toBe(1);
  });
});

describe('streams across replicas', () => {
  it('one replica delivers a stream; when it stops mid-stream the other takes over without a loss', async () => {
    const tenant = await newTenant();
    const [a, b] = [await startTestServer({ database, env: env() }), await startTestServer({ database, env: env() })];
    let bStopped = false;
    try {
      const stream = await createStream(a, tenant.admin, {
        kind: 'WEBHOOK',
        endpoint: `${receiver.url}/hook`,
        secret: 'k',
        match: 'action:UPDATE',
      });
      // Slow batches, so that the stop falls in the middle of the stream.
      behaviour = () => 'slow';
      const ids = await recordEvents(a, tenant.service, recordChanges(3000));
      await waitUntil(
        () => acknowledged(receiver, stream.id, answered).length > 0,
        () => 'no batch delivered yet',
      );
      const [first, second] = (await metricValue(a, 'audit_streams_delivered_here')) > 0 ? [a, b] : [b, a];
      const distinct = new Set(acknowledged(receiver, stream.id, answered).map((event) => event.id));
      expect(distinct.size).toBeLessThan(ids.length); // the stop falls mid-stream
      await first.stop();
      if (first === b) bStopped = true;
      await caughtUp(second, tenant.admin, stream.id, 14_000);
      expectDeliveredInOrder(acknowledged(receiver, stream.id, answered), ids);
    } finally {
      await a.stop().catch(() => undefined);
      if (!bStopped) await b.stop().catch(() => undefined);
    }
  }, 30_000); // two servers and 3000 events through a webhook

  it('takes over a stream whose replica died holding it, once the lease expires, from its acknowledged place', async () => {
    const tenant = await newTenant();
    const writer = await startTestServer({ database, env: { ...env(), STREAMS_DELIVERY: 'off' } });
    try {
      const stream = await createStream(writer, tenant.admin, {
        kind: 'WEBHOOK',
        endpoint: `${receiver.url}/hook`,
        secret: 'k',
        match: 'action:UPDATE',
      });
      const ids = await recordEvents(writer, tenant.service, recordChanges(40));
      // A replica that died: it holds the lease, and will never renew it.
      await database.db
        .knex('audit_streams')
        .where({ id: stream.id })
        .update({
          lease_owner: 'dead-replica',
          lease_until: database.db.knex.raw("clock_timestamp() + interval '1 second'"),
        });
      const survivor = await startTestServer({ database, env: env() });
      try {
        await caughtUp(survivor, tenant.admin, stream.id);
        expectDeliveredInOrder(acknowledged(receiver, stream.id, answered), ids);
      } finally {
        await survivor.stop();
      }
    } finally {
      await writer.stop();
    }
  });
});
