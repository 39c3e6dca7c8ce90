import { Client } from 'pg';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { LISTENER_APPLICATION_NAME } from '../../src/live/postgres-fanout';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, signToken } from '../support/tokens';
import { liveSubscriptions, waitForMetric } from '../support/metrics';
import { event, record, subscribeLive, waitUntil, wsUrl } from './live-support';

describe('auditEventRecorded under failures', () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let service: string;
  let admin: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startTestServer({ database });
    b = await startTestServer({ database });
    service = await serviceToken('acme');
    admin = await adminToken('acme');
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await database.drop();
  });

  it('recovers when the listening connections are killed, losing nothing written meanwhile', async () => {
    const filter = { entityTypes: ['Killed'] };
    const onA = subscribeLive(a, admin, { filter });
    const onB = subscribeLive(b, admin, { filter });
    await Promise.all([liveSubscriptions(a, 1), liveSubscriptions(b, 1)]);
    const pg = new Client({ connectionString: database.url });
    await pg.connect();
    const { rows } = await pg.query(
      'SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
      [LISTENER_APPLICATION_NAME],
    );
    await pg.end();
    expect(rows).toHaveLength(2);
    // Written while no instance listens: only the catch-up after reconnecting can deliver them.
    await record(
      a,
      service,
      [1, 2, 3].map((n) => event('UPDATE', { entityType: 'Killed', entityId: `k${n}` })),
    );
    for (const sub of [onA, onB]) expect((await sub.waitFor(3)).map((e) => e.entityId)).toEqual(['k1', 'k2', 'k3']);
    await record(b, service, [event('UPDATE', { entityType: 'Killed', entityId: 'k4' })]);
    for (const sub of [onA, onB])
      expect((await sub.waitFor(4)).map((e) => e.entityId)).toEqual(['k1', 'k2', 'k3', 'k4']);
    await Promise.all([onA.dispose(), onB.dispose()]);
  });

  it('ends the subscription with UNAUTHENTICATED when the token expires, saying where to resume', async () => {
    // Long enough for the event to arrive first on a loaded machine; the end is measured from `exp`.
    const shortLived = await signToken({ org: 'acme', role: 'ADMIN', expiresIn: 5 });
    const { exp } = JSON.parse(Buffer.from(shortLived.split('.')[1], 'base64url').toString()) as { exp: number };
    const expiresAtMs = exp * 1000;
    const sub = subscribeLive(a, shortLived, { filter: { entityTypes: ['Expiry'] } });
    await liveSubscriptions(a, 1);
    const [sequence] = await record(b, service, [event('UPDATE', { entityType: 'Expiry' })]);
    await sub.waitFor(1);
    await sub.ended;
    expect(Date.now() - expiresAtMs).toBeLessThan(2000);
    expect(sub.errors).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'UNAUTHENTICATED', resumeAfterSequence: sequence }),
      }),
    ]);
    await sub.dispose();
  });
});

describe('a subscriber that cannot keep up', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { LIVE_BUFFER_EVENTS: '20' } });
  });
  afterAll(() => server.stop());

  it('is cut off with an error naming the sequence to resume after, then complete, without slowing the others', async () => {
    const service = await serviceToken('acme');
    const fast = subscribeLive(server, await adminToken('acme'));
    const slow = await rawSubscriber(server, await adminToken('acme'));
    await liveSubscriptions(server, 2);
    slow.socket.pause(); // stops reading: the kernel buffers fill, then the server's queue
    const metadata = { blob: 'x'.repeat(12_000) };
    for (let batch = 0; batch < 5; batch += 1)
      await record(
        server,
        service,
        Array.from({ length: 300 }, () => event('EXPORT', { metadata })),
      );
    await fast.waitFor(1500, 20_000);
    await waitForMetric(server, 'audit_live_subscriptions_dropped_total', (dropped) => dropped === 1, {
      labels: { reason: 'slow_consumer' },
    });
    slow.socket.resume();
    await waitUntil(
      () => slow.messages.some((m) => m.type !== 'next'),
      () => `${slow.messages.length} messages`,
      15_000,
    );
    // The error is the operation's last result (gateways mask graphql-ws `error` messages).
    const [failure, end] = slow.messages.slice(-2);
    const nexts = slow.messages.slice(0, -2);
    expect(nexts.length).toBeLessThan(1500);
    expect(nexts.every((m) => m.type === 'next' && m.payload.data)).toBe(true);
    expect(end).toEqual({ id: 's1', type: 'complete' });
    expect(failure).toMatchObject({
      type: 'next',
      payload: { errors: [{ extensions: { code: 'SUBSCRIBER_TOO_SLOW' } }] },
    });
    const lastSent = nexts[nexts.length - 1].payload.data.auditEventRecorded.sequence;
    expect(failure.payload.errors[0].extensions.resumeAfterSequence).toBe(lastSent);
    expect(failure.payload.errors[0].message).toMatch(/afterSequence/);
    await fast.dispose();
    slow.ws.close();
  }, 30_000); // 18 MB through a socket the test stops reading, to fill the kernel's buffers: about 10 s
});

/** A graphql-transport-ws client on a bare socket, so that the test can stop reading. */
async function rawSubscriber(server: TestServer, token: string) {
  const ws = new WebSocket(wsUrl(server), 'graphql-transport-ws');
  const messages: Array<{ type: string; payload?: any }> = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } }));
  await waitUntil(
    () => messages.some((m) => m.type === 'connection_ack'),
    () => 'no ack',
    5000,
  );
  messages.length = 0;
  const query = 'subscription { auditEventRecorded { sequence metadata } }';
  ws.send(JSON.stringify({ id: 's1', type: 'subscribe', payload: { query } }));
  return { ws, messages, socket: (ws as unknown as { _socket: Socket })._socket };
}
