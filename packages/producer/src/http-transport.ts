import { RejectedBatchError, type AuditTransport } from './transport';
import type { AuditEventInput } from './types';

const MUTATION = `mutation RecordAuditEvents($events: [AuditEventInput!]!) {
  recordAuditEvents(events: $events) { recorded duplicates }
}`;

export interface HttpTransportOptions {
  /** The audit subgraph's GraphQL endpoint, e.g. `http://audit:4001/graphql` (or the gateway's). */
  url: string;
  /** A SERVICE token, or a function giving the current one (called for every batch). */
  token: string | (() => string | Promise<string>);
  /** Per request; a batch not answered in time is sent again (the same ids: stored once). */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

interface GraphQLAnswer {
  data?: { recordAuditEvents?: { recorded: number; duplicates: number } } | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** `recordAuditEvents` over HTTP. */
export function httpTransport({
  url,
  token,
  timeoutMs = 10_000,
  fetch = globalThis.fetch,
}: HttpTransportOptions): AuditTransport {
  return {
    async send(events, signal) {
      const bearer = typeof token === 'string' ? token : await token();
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
        body: JSON.stringify({ query: MUTATION, variables: { events } satisfies { events: AuditEventInput[] } }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      const answer = (await response.json().catch(() => ({}))) as GraphQLAnswer;
      if (answer.data?.recordAuditEvents) return;
      const error = answer.errors?.[0];
      const code = error?.extensions?.code;
      if (code === 'BAD_USER_INPUT' || code === 'GRAPHQL_VALIDATION_FAILED')
        throw new RejectedBatchError(error!.message);
      throw new Error(
        `recordAuditEvents failed (HTTP ${response.status}${code ? `, ${code}` : ''}): ${error?.message ?? 'no answer'}`,
      );
    },
  };
}
