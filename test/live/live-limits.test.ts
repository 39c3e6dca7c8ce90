import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken } from '../support/tokens';
import { wsUrl } from './live-support';

describe('limits on subscriptions', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { MAX_QUERY_DEPTH: '2' } });
  });
  afterAll(() => server.stop());

  const subscribe = async (query: string) => {
    const client = createClient({
      url: wsUrl(server),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { Authorization: `Bearer ${await adminToken('acme')}` },
    });
    const errors = await new Promise<unknown[]>((resolve) => {
      const timer = setTimeout(() => resolve([]), 1500);
      client.subscribe(
        { query },
        {
          next: (result) => (clearTimeout(timer), resolve([...(result.errors ?? [])])),
          error: (error) => (clearTimeout(timer), resolve(Array.isArray(error) ? error : [error])),
          complete: () => (clearTimeout(timer), resolve([])),
        },
      );
    });
    await client.dispose();
    return errors;
  };

  it('refuses a subscription nested deeper than the limit, as over HTTP', async () => {
    const errors = await subscribe('subscription { auditEventRecorded { actor { id } } }');
    expect(errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }) }),
    ]);
  });

  it('accepts one within it', async () => {
    expect(await subscribe('subscription { auditEventRecorded { id sequence } }')).toEqual([]);
  });
});
