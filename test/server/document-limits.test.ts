import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { wsUrl } from '../live/live-support';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, userToken } from '../support/tokens';

/** `levels` fragments that each spread the next one twice: 2^levels selections from a document of a kilobyte. */
function fragmentChain(levels: number, operation = '{ auditEvents(first: 1) { edges { node { ...F0 } } } }'): string {
  const fragments = Array.from(
    { length: levels },
    (_, level) => `fragment F${level} on AuditEvent { id ...F${level + 1} ...F${level + 1} }`,
  );
  return `${operation}
${fragments.join('\n')}
fragment F${levels} on AuditEvent { id }`;
}

const tooComplex = (message: RegExp) => ({
  extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }),
  message: expect.stringMatching(message),
});

describe('limits on documents, checked before any other work', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  const timed = async <T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> => {
    const started = performance.now();
    const result = await work();
    return { result, ms: performance.now() - started };
  };

  it.each([24, 30])(
    'refuses a chain of %i fragments that each spread the next twice, without a token, at once',
    async (levels) => {
      const [{ result: response, ms }, health] = await Promise.all([
        timed(() => server.graphql(fragmentChain(levels))),
        timed(() => fetch(`${server.url}/healthz`)),
      ]);
      expect(response.status).toBe(400);
      expect(response.errors).toEqual([expect.objectContaining(tooComplex(/more than 2000 selections/))]);
      expect(ms).toBeLessThan(1000);
      expect(health.result.status).toBe(200);
      expect(health.ms).toBeLessThan(1000);
    },
  );

  it.each([24, 30])('refuses the same chain of %i over WebSocket, before validation and roles', async (levels) => {
    const client = createClient({
      url: wsUrl(server),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { Authorization: `Bearer ${await userToken('acme')}` },
    });
    const query = fragmentChain(levels, 'subscription { auditEventRecorded { ...F0 } }');
    const { result: errors, ms } = await timed(
      () =>
        new Promise<unknown[]>((resolve) =>
          client.subscribe(
            { query },
            {
              next: (result) => resolve([...(result.errors ?? [])]),
              error: (error) => resolve(Array.isArray(error) ? error : [error]),
              complete: () => resolve([]),
            },
          ),
        ),
    );
    await client.dispose();
    expect(errors).toEqual([expect.objectContaining(tooComplex(/more than 2000 selections/))]);
    expect(ms).toBeLessThan(1000);
  });

  it('refuses a document over the byte limit, naming it', async () => {
    const response = await server.graphql(`{ __typename }\n#${'x'.repeat(64 * 1024)}`);
    expect(response.status).toBe(400);
    expect(response.errors).toEqual([expect.objectContaining(tooComplex(/at most 65536 are allowed/))]);
  });

  it('refuses a document of too many tokens, or nested too deep to parse, naming the limit', async () => {
    const tokens = await server.graphql(`{ ${'a '.repeat(10_001)}}`);
    expect(tokens.errors).toEqual([expect.objectContaining(tooComplex(/more than 10000 tokens/))]);
    const nested = await server.graphql(`{ ${'a { '.repeat(5_000)}b${' }'.repeat(5_000)} }`);
    expect(nested.status).toBe(400);
    expect(nested.errors).toEqual([expect.objectContaining(tooComplex(/nests brackets more than 100 deep/))]);
  });

  it('answers a refusal with the request id the caller gave, and replaces one that is not a plain token', async () => {
    const refuse = (requestId: string) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ query: fragmentChain(30) }),
      });
    const quoted = await refuse('caller-chosen.id:42');
    expect(quoted.status).toBe(400);
    expect(quoted.headers.get('x-request-id')).toBe('caller-chosen.id:42');
    const replaced = await refuse(`forged id; with spaces ${'x'.repeat(200)}`);
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses over GET as over POST', async () => {
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent(fragmentChain(30))}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: unknown[] }).errors).toEqual([
      expect.objectContaining(tooComplex(/more than 2000 selections/)),
    ]);
  });

  it('counts the events of each alert in the estimated cost', async () => {
    const alerts = (first: number) =>
      `{ alerts(first: ${first}) { edges { node { id events { id action actor { id } changes { field } } } } } }`;
    const admin = await adminToken('acme');
    const costly = await server.graphql(alerts(500), {}, admin);
    expect(costly.errors).toEqual([expect.objectContaining(tooComplex(/would cost/))]);
    const cheap = await server.graphql(alerts(5), {}, admin);
    expect(cheap.errors).toBeUndefined();
  });
});
