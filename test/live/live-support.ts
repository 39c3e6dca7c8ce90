import { waitUntil } from '../support/wait';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestServer } from '../support/server';

export const LIVE = `subscription Live($filter: AuditEventFilter, $after: String, $savedFilterId: ID) {
  auditEventRecorded(filter: $filter, afterSequence: $after, savedFilterId: $savedFilterId) { id tenantId sequence action entityId actor { id } }
}`;

export interface LiveEvent {
  id: string;
  tenantId: string;
  sequence: string;
  action: string;
  entityId: string | null;
}

/** One subscription over a real WebSocket, collecting what it receives. */
export interface LiveSubscription<T = LiveEvent> {
  events: T[];
  errors: unknown[];
  closeCode?: number;
  /** How the server ended it: `complete` (after any errors as results), an `error` message, or closing the socket. */
  endedBy?: 'complete' | 'error' | 'close';
  /** Settles when the server completes the subscription, fails it, or closes the socket. */
  ended: Promise<void>;
  /** Resolves once `count` events arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  dispose(): Promise<void>;
}

/** Our subgraph, or a gateway in front of it: anything serving graphql-ws on `/graphql`. */
export type WsEndpoint = Pick<TestServer, 'url'>;

export function wsUrl(server: WsEndpoint): string {
  return `${server.url.replace(/^http/, 'ws')}/graphql`;
}

export function subscribeLive(
  server: WsEndpoint,
  token: string | null,
  variables: { filter?: Record<string, unknown>; after?: string; savedFilterId?: string } = {},
): LiveSubscription {
  return subscribeOverWs<LiveEvent>(server, token, LIVE, variables);
}

/** Any subscription over a graphql-ws client that does not retry, collecting the root field of each result. */
export function subscribeOverWs<T>(
  server: WsEndpoint,
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): LiveSubscription<T> {
  const sub: LiveSubscription<T> = {
    events: [],
    errors: [],
    ended: Promise.resolve(),
    waitFor: async () => [],
    dispose: async () => {},
  };
  let client: Client;
  sub.ended = new Promise<void>((resolve) => {
    client = createClient({
      url: wsUrl(server),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
      on: {
        closed: (event) => {
          sub.closeCode = (event as { code?: number }).code;
          sub.endedBy ??= 'close';
          resolve();
        },
      },
    });
    client.subscribe<Record<string, T>>(
      { query, variables },
      {
        next: (message) => {
          if (message.errors) sub.errors.push(...message.errors);
          if (message.data) sub.events.push(...Object.values(message.data));
        },
        error: (error) => {
          sub.errors.push(...(Array.isArray(error) ? error : [error]));
          sub.endedBy ??= 'error';
          resolve();
        },
        complete: () => ((sub.endedBy ??= 'complete'), resolve()),
      },
    );
  });
  sub.waitFor = waitForEventsOf(sub);
  sub.dispose = async () => {
    await client.dispose();
  };
  return sub;
}

export { waitUntil };

/** `waitFor` of a subscription: resolves once `count` events arrived, fails after `timeoutMs`. */
export function waitForEventsOf<T>(sub: Pick<LiveSubscription<T>, 'events'>): LiveSubscription<T>['waitFor'] {
  return (count, timeoutMs = 15_000) =>
    waitUntil(
      () => sub.events.length >= count,
      () => `got ${sub.events.length} of ${count} events`,
      timeoutMs,
    ).then(() => sub.events);
}

const RECORD = `mutation Record($events: [AuditEventInput!]!) { recordAuditEvents(events: $events) { recorded events { sequence } } }`;

/** Writes events through `server` as a SERVICE; returns their sequences. */
export async function record(
  server: TestServer,
  service: string,
  events: Array<Record<string, unknown>>,
): Promise<string[]> {
  const response = await server.graphql(RECORD, { events }, service);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!.recordAuditEvents.events.map((event: { sequence: string }) => event.sequence);
}

export const event = (action: string, extra: Record<string, unknown> = {}) => ({
  actor: { id: 'u1' },
  action,
  ...extra,
});
