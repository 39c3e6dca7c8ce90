import { startHiveGateway as startGateway } from '../../examples/crm/gateway';
import { waitForEventsOf, type LiveSubscription } from '../live/live-support';
import { crmTypeDefs, type CrmServer } from './crm-subgraph';
import type { TestServer } from './server';

/** A gateway in front of test servers, used the way a test server is. */
export type TestGateway = Pick<TestServer, 'url' | 'graphql' | 'stop'>;

/**
 * Hive Gateway in front of our subgraph and a CRM subgraph, configured as the README says: the
 * supergraph composed from each subgraph's `_service { sdl }`, `Authorization` forwarded to the
 * subgraphs, and subscriptions carried to ours over graphql-ws with the token in connectionParams.
 * Clients reach it over HTTP, SSE and graphql-ws on `/graphql`.
 */
export async function startHiveGateway(audit: TestServer, crm: CrmServer): Promise<TestGateway> {
  const gateway = await startGateway({
    subgraphs: [
      { name: 'crm', url: crm.url, typeDefs: crmTypeDefs({ pageInfo: 'minimal' }) },
      { name: 'audit', url: `${audit.url}/graphql` },
    ],
  });
  return {
    url: gateway.url,
    async graphql(query, variables, token) {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    stop: () => gateway.stop(),
  };
}

/** A subscription over Server-Sent Events (graphql-sse's distinct connections mode), as browsers use gateways. */
export function subscribeOverSse<T>(
  endpoint: { url: string },
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): LiveSubscription<T> {
  const abort = new AbortController();
  const sub = { events: [] as T[], errors: [] as unknown[] } as LiveSubscription<T>;
  sub.ended = (async () => {
    const response = await fetch(`${endpoint.url}/graphql`, {
      method: 'POST',
      signal: abort.signal,
      headers: {
        accept: 'text/event-stream',
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = response.body!.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      buffer += decoder.decode(chunk.value, { stream: true });
      let boundary;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const event = /^event: ?(.*)$/m.exec(message)?.[1];
        const data = message
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.replace(/^data: ?/, ''))
          .join('\n');
        if (event === 'complete') return void (sub.endedBy = 'complete');
        if (!data) continue;
        const result = JSON.parse(data) as { data?: Record<string, T>; errors?: unknown[] };
        if (result.errors) sub.errors.push(...result.errors);
        if (result.data) sub.events.push(...Object.values(result.data));
      }
    }
    sub.endedBy ??= 'close';
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) throw error;
  });
  sub.waitFor = waitForEventsOf(sub);
  sub.dispose = async () => abort.abort();
  return sub;
}
