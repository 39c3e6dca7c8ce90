import { randomUUID } from 'node:crypto';
import { AckPolicy, jetstream, RetentionPolicy } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { nanos, type Msg } from '@nats-io/nats-core';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { RECORD_MUTATION } from '../support/events';
import { metricValue, waitForMetric } from '../support/metrics';
import { describeWithNats, openNatsTestBed, TEST_NATS_URL, type NatsTestBed } from '../support/nats';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';
import { waitUntil } from '../support/wait';

const LIST = `query List($first: Int, $after: String) {
  auditEvents(first: $first, after: $after) {
    edges { node { id tenantId entityId action } } pageInfo { hasNextPage endCursor }
  }
}`;

const event = (entityId: string) => ({
  id: randomUUID(),
  actor: { id: 'user-1', email: 'jane@acme.example' },
  action: 'UPDATE',
  entityType: 'Lead',
  entityId,
  changes: [{ field: 'status', oldValue: 'NEW', newValue: 'QUALIFIED' }],
});

/** Every event the tenant's admin can read, through `auditEvents`. */
async function storedEvents(server: TestServer, tenant: string) {
  const token = await adminToken(tenant);
  const nodes: Array<{ id: string; tenantId: string; entityId: string }> = [];
  let after: string | null = null;
  for (;;) {
    const response: GraphQLResponse = await server.graphql(LIST, { first: 500, after }, token);
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    const page: {
      edges: Array<{ node: (typeof nodes)[number] }>;
      pageInfo: { hasNextPage: boolean; endCursor: string };
    } = response.data!.auditEvents;
    nodes.push(...page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage) return nodes;
    after = page.pageInfo.endCursor;
  }
}

async function waitForStored(server: TestServer, tenant: string, count: number, timeoutMs = 10_000) {
  let last = 0;
  await waitUntil(
    async () => (last = (await storedEvents(server, tenant)).length) >= count,
    () => `${count} events of ${tenant} stored, ${last} so far`,
    timeoutMs,
  );
}

describeWithNats('ingest from NATS JetStream', () => {
  let bed: NatsTestBed;
  let database: TestDatabase;
  const servers: TestServer[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const server = await startTestServer({ database, env: { ...bed.env, ...env } });
    servers.push(server);
    return server;
  };

  const consumerCreated = () =>
    waitUntil(
      () =>
        bed.jsm.consumers.info(bed.stream, bed.consumer).then(
          () => true,
          () => false,
        ),
      () => 'the subgraph created its stream and consumer',
    );

  beforeEach(async () => {
    bed = await openNatsTestBed();
    database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.stop();
    await bed.close();
    await database.drop();
  });

  it('stores, once each, the events published while the subgraph was stopped, when it starts', async () => {
    const first = await start();
    await consumerCreated();
    await first.stop();
    servers.length = 0;

    const published: string[] = [];
    for (let message = 0; message < 40; message++) {
      const events = Array.from({ length: 5 }, (_, i) => event(`lead-${message}-${i}`));
      published.push(...events.map((e) => e.id));
      // Single events and arrays alike.
      await bed.publish('acme', message % 2 === 0 ? events : events[0]);
      if (message % 2 === 1) published.splice(published.length - 4, 4);
    }
    expect((await bed.jsm.streams.info(bed.stream)).state.messages).toBe(40);

    const server = await start();
    await waitForStored(server, 'acme', published.length);
    await waitForMetric(server, 'audit_jetstream_pending_messages', (value) => value === 0);
    const stored = await storedEvents(server, 'acme');
    expect(stored.map((e) => e.id).sort()).toEqual([...published].sort());
    expect(await metricValue(server, 'audit_jetstream_messages_total', { outcome: 'committed' })).toBe(40);
    // Acknowledged messages leave the work queue.
    await waitUntil(
      async () => (await bed.jsm.streams.info(bed.stream)).state.messages === 0,
      () => 'the stream emptied',
    );
    // Two server starts and stops on one database.
  }, 30_000);

  it('stores nothing twice when a replica crashed after its commit and before its ack', async () => {
    // The stream and consumer exist before any replica, with a short ack wait, as an operator could set them up.
    await bed.jsm.streams.add({
      name: bed.stream,
      subjects: [`${bed.prefix}.events.>`, `${bed.prefix}.rejected.>`],
      retention: RetentionPolicy.Workqueue,
    });
    await bed.jsm.consumers.add(bed.stream, {
      durable_name: bed.consumer,
      ack_policy: AckPolicy.Explicit,
      filter_subject: `${bed.prefix}.events.>`,
      ack_wait: nanos(1000),
    });
    const events = Array.from({ length: 20 }, (_, i) => event(`lead-${i}`));
    await bed.publish('acme', events);

    // A replica takes the message, commits its events (the same write as HTTP's), and dies before acknowledging.
    const server = await start({ NATS_URL: '' });
    const crashed = await connect({ servers: TEST_NATS_URL });
    const taken = await (await jetstream(crashed).consumers.get(bed.stream, bed.consumer)).next();
    expect(taken).not.toBeNull();
    const committed = await server.graphql(
      RECORD_MUTATION,
      { events: JSON.parse(taken!.string()) },
      await serviceToken('acme'),
    );
    expect(committed.data?.recordAuditEvents.recorded).toBe(20);
    await crashed.close();
    await server.stop();
    servers.length = 0;

    // Another replica gets the message again once its ack wait has passed.
    const replica = await start();
    await waitForMetric(replica, 'audit_jetstream_events_total', (value) => value === 20, {
      labels: { outcome: 'duplicate' },
    });
    expect(await metricValue(replica, 'audit_jetstream_redeliveries_total')).toBeGreaterThanOrEqual(1);
    expect(await metricValue(replica, 'audit_jetstream_events_total', { outcome: 'stored' })).toBe(0);
    expect((await storedEvents(replica, 'acme')).length).toBe(20);
    await waitUntil(
      async () => (await bed.jsm.streams.info(bed.stream)).state.messages === 0,
      () => 'the redelivered message acknowledged',
    );
    // Two server starts, and a redelivery after the ack wait.
  }, 30_000);

  it('shares the work between two replicas of the shared consumer', async () => {
    const env = { NATS_PULL_AHEAD: '10' };
    const one = await start(env);
    const two = await start(env);
    // Both replicas wait with pull requests of their own before anything is published.
    await waitUntil(
      async () => ((await bed.jsm.consumers.info(bed.stream, bed.consumer).catch(() => null))?.num_waiting ?? 0) >= 2,
      () => 'two replicas pulling',
    );
    const messages = 200;
    await Promise.all(
      Array.from({ length: messages }, (_, m) => bed.publish('acme', [event(`a-${m}`), event(`b-${m}`)])),
    );
    await waitForStored(one, 'acme', messages * 2);
    const byOne = await metricValue(one, 'audit_jetstream_messages_total', { outcome: 'committed' });
    const byTwo = await metricValue(two, 'audit_jetstream_messages_total', { outcome: 'committed' });
    expect(byOne + byTwo).toBe(messages);
    expect(byOne).toBeGreaterThan(0);
    expect(byTwo).toBeGreaterThan(0);
    expect((await storedEvents(two, 'acme')).length).toBe(messages * 2);
  });

  it('republishes what can never be stored on <prefix>.rejected.<tenant> with the reason, and goes on', async () => {
    const server = await start();
    const rejected: Msg[] = [];
    const subscription = bed.nc.subscribe(`${bed.prefix}.rejected.>`, {
      callback: (_err, msg) => void rejected.push(msg),
    });
    await bed.nc.flush();
    await consumerCreated();

    const reused = event('lead-reused');
    await bed.publish('acme', [reused]);
    await waitForStored(server, 'acme', 1);

    const good = event('lead-good');
    await bed.publish('acme', 'this is not JSON');
    await bed.publish('acme', [{ ...event('lead-bad'), action: 'DANCE' }]);
    await bed.publish('acme', [{ ...event('lead-other'), tenantId: 'globex' }]);
    await bed.publish('acme', [{ ...event('lead-no-id'), id: undefined }]);
    // The same id with other content, in a message that shares its batch with a good one.
    await bed.publish('acme', [{ ...reused, entityId: 'lead-tampered' }]);
    await bed.publish('acme', [good]);

    await waitForStored(server, 'acme', 2);
    await waitUntil(
      () => rejected.length === 5,
      () => `5 rejections, ${rejected.length} so far`,
    );
    subscription.unsubscribe();
    const reasons = rejected.map((msg) => msg.headers?.get('Audit-Rejection-Reason'));
    expect(rejected.every((msg) => msg.subject === `${bed.prefix}.rejected.acme`)).toBe(true);
    expect(reasons).toEqual([
      'the message is not UTF-8 JSON',
      expect.stringMatching(/^events\[0\]\.action: .*DANCE/),
      "events[0].tenantId: names another tenant than the subject's",
      expect.stringMatching(/^events\[0\]\.id: is required/),
      expect.stringMatching(/^events\[0\]\.id: was already recorded with other content/),
    ]);
    expect(rejected[0].string()).toBe('this is not JSON');
    expect((await storedEvents(server, 'acme')).map((e) => e.entityId).sort()).toEqual(['lead-good', 'lead-reused']);
    expect(await metricValue(server, 'audit_jetstream_messages_total', { outcome: 'rejected' })).toBe(5);
  });

  it('takes the tenant from the subject', async () => {
    const server = await start();
    await consumerCreated();
    const published = event('lead-of-globex');
    await bed.publish('globex', published);
    await waitForStored(server, 'globex', 1);
    const [stored] = await storedEvents(server, 'globex');
    expect(stored).toMatchObject({ id: published.id, tenantId: 'globex', entityId: 'lead-of-globex' });
    expect(await storedEvents(server, 'acme')).toEqual([]);
  });
});
