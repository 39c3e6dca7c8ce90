import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/server';
import { liveSubscriptions } from '../support/metrics';
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
    const refused = new Promise<unknown[]>((resolve) => {
      client.subscribe(
        { query },
        {
          next: (result) => resolve([...(result.errors ?? [])]),
          error: (error) => resolve(Array.isArray(error) ? error : [error]),
          complete: () => resolve([]),
        },
      );
    });
    // Accepted once the server has joined it to a feed; refused when the error comes first.
    const waiting = new AbortController();
    const accepted = liveSubscriptions(server, 1, { signal: waiting.signal }).then(() => []);
    const errors = await Promise.race([refused, accepted]);
    waiting.abort();
    accepted.catch(() => undefined);
    await client.dispose();
    if (errors.length === 0) await liveSubscriptions(server, 0);
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
