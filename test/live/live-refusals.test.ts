import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, signToken, userToken } from '../support/tokens';
import { event, record, subscribeLive, subscribeOverWs, waitUntil, wsUrl } from './live-support';

/** Refusals must survive gateways, whose upstream clients mask graphql-ws `error` messages and retry on close codes. */
const PROMPTLY_MS = 2000;

async function refusalOf(server: TestServer, token: string | null, variables: Record<string, unknown> = {}) {
  const started = Date.now();
  const sub = subscribeLive(server, token, variables);
  await sub.ended;
  await sub.dispose();
  return { ...sub, elapsedMs: Date.now() - started };
}

const coded = (code: string) => [expect.objectContaining({ extensions: expect.objectContaining({ code }) })];

describe('subscriptions refused directly', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3' } });
  });
  afterAll(() => server.stop());

  it('refuses a USER with FORBIDDEN as the operation’s result, then completes, within 2 s', async () => {
    const refusal = await refusalOf(server, await userToken('acme'));
    expect(refusal.errors).toEqual(coded('FORBIDDEN'));
    expect(refusal.endedBy).toBe('complete');
    expect(refusal.elapsedMs).toBeLessThan(PROMPTLY_MS);
  });

  it.each([
    ['no token', async () => null],
    ['a malformed token', async () => 'not-a-jwt'],
    ['a token signed with another secret', () => signToken({ secret: 'another-secret-that-is-long-enough-too' })],
    ['an expired token', () => signToken({ expiresIn: -60 })],
  ])('accepts a connection with %s and refuses its subscription with UNAUTHENTICATED within 2 s', async (_, token) => {
    const refusal = await refusalOf(server, await token());
    expect(refusal.errors).toEqual(coded('UNAUTHENTICATED'));
    expect(refusal.endedBy).toBe('complete');
    expect(refusal.closeCode).toBeUndefined();
    expect(refusal.elapsedMs).toBeLessThan(PROMPTLY_MS);
  });

  it('refuses an afterSequence beyond the tenant’s last event with BAD_USER_INPUT naming it', async () => {
    const [head] = await record(server, await serviceToken('beyond'), [event('LOGIN')]);
    const refusal = await refusalOf(server, await adminToken('beyond'), { after: String(BigInt(head) + 1n) });
    expect(refusal.errors).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argument: 'afterSequence' }),
      }),
    ]);
    expect(refusal.endedBy).toBe('complete');
  });

  it('caps the operations of one connection with TOO_MANY_SUBSCRIPTIONS, and admits another once one completes', async () => {
    const ws = new WebSocket(wsUrl(server), 'graphql-transport-ws');
    const messages: Array<{ id?: string; type: string; payload?: { errors?: unknown[] } }> = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(
      JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${await adminToken('cap')}` } }),
    );
    await waitUntil(
      () => messages.some((message) => message.type === 'connection_ack'),
      () => JSON.stringify(messages),
      5000,
    );
    const query = 'subscription { auditEventRecorded { id } }';
    const subscribe = (id: string) => ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
    for (const id of ['1', '2', '3', '4']) subscribe(id);
    const ofId = (id: string) => messages.filter((message) => message.id === id).map((message) => message.type);
    await waitUntil(
      () => ofId('4').includes('complete'),
      () => JSON.stringify(messages),
      5000,
    );
    expect(messages.find((message) => message.id === '4')?.payload?.errors).toEqual(coded('TOO_MANY_SUBSCRIPTIONS'));
    expect(['1', '2', '3'].map(ofId)).toEqual([[], [], []]);
    ws.send(JSON.stringify({ id: '1', type: 'complete' }));
    subscribe('5');
    await record(server, await serviceToken('cap'), [event('LOGIN')]);
    await waitUntil(
      () => ofId('5').includes('next'),
      () => JSON.stringify(messages),
      5000,
    );
    expect(messages.filter((message) => message.id === '5')).toEqual([
      expect.objectContaining({ type: 'next', payload: { data: { auditEventRecorded: { id: expect.any(String) } } } }),
    ]);
    ws.close();
  });

  it('takes the token from the upgrade request’s Authorization header when connectionParams have none', async () => {
    const ws = new WebSocket(wsUrl(server), 'graphql-transport-ws', {
      headers: { authorization: `Bearer ${await userToken('acme')}` },
    });
    const messages: Array<{ type: string; payload?: { errors?: unknown[] } }> = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'connection_init' }));
    await waitUntil(
      () => messages.some((message) => message.type === 'connection_ack'),
      () => JSON.stringify(messages),
      5000,
    );
    ws.send(
      JSON.stringify({ id: 'h', type: 'subscribe', payload: { query: 'subscription { auditEventRecorded { id } }' } }),
    );
    await waitUntil(
      () => messages.some((message) => message.type === 'complete'),
      () => JSON.stringify(messages),
      5000,
    );
    // A USER's token, read: FORBIDDEN, where a missing one would be UNAUTHENTICATED.
    expect(messages.find((message) => message.type === 'next')?.payload?.errors).toEqual(coded('FORBIDDEN'));
    ws.close();
  });

  it('answers a subscription sent over HTTP with a coded error, not a 500', async () => {
    const response = await server.graphql('subscription { auditEventRecorded { id } }', {}, await adminToken('acme'));
    expect(response.status).toBeLessThan(500);
    expect(response.errors).toEqual(coded('BAD_REQUEST'));
  });
});

describe('introspection over WebSocket in production', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => server.stop());

  it('is refused, as over HTTP', async () => {
    const sub = subscribeOverWs(server, await adminToken('acme'), '{ __schema { queryType { name } } }');
    await sub.ended;
    await sub.dispose();
    expect(sub.events).toEqual([]);
    expect(sub.errors).toContainEqual(
      expect.objectContaining({
        message: expect.stringContaining('introspection'),
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      }),
    );
    expect(sub.endedBy).toBe('complete');
  });
});
