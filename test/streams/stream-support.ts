import { randomUUID } from 'node:crypto';
import type { TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';
import { waitUntil } from '../support/wait';

export const STREAM_FIELDS = `id name kind endpoint format match enabled status deliveredThroughSequence lagEvents
  lagSeconds lastDeliveredAt lastError deliveredEvents failedAttempts hasSecret
  options { tokenUrl clientId splunkAck index sourceType category }`;

export const CREATE_STREAM = `mutation C($input: AuditStreamInput!) { createAuditStream(input: $input) { ${STREAM_FIELDS} } }`;
export const UPDATE_STREAM = `mutation U($id: ID!, $input: AuditStreamInput!) { updateAuditStream(id: $id, input: $input) { ${STREAM_FIELDS} } }`;
export const DELETE_STREAM = `mutation D($id: ID!) { deleteAuditStream(id: $id) }`;
export const TEST_STREAM = `mutation T($id: ID!) { testAuditStream(id: $id) { ok status message } }`;
export const LIST_STREAMS = `{ auditStreams { ${STREAM_FIELDS} } }`;

export interface StreamNode {
  id: string;
  status: string;
  deliveredThroughSequence: string;
  lagEvents: number;
  lastError: string | null;
  deliveredEvents: number;
  failedAttempts: number;
  [field: string]: unknown;
}

export async function newTenant(): Promise<{ org: string; admin: string; service: string }> {
  const org = `org-${randomUUID().slice(0, 8)}`;
  return { org, admin: await adminToken(org), service: await serviceToken(org) };
}

/** Creates a stream through the API; fails the test on any error. */
export async function createStream(
  server: TestServer,
  admin: string,
  input: Record<string, unknown>,
): Promise<StreamNode> {
  const response = await server.graphql(CREATE_STREAM, { input: { name: 'siem', format: 'NATIVE', ...input } }, admin);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!.createAuditStream;
}

export async function streamOf(server: TestServer, admin: string, id: string): Promise<StreamNode> {
  const response = await server.graphql(LIST_STREAMS, {}, admin);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!.auditStreams.find((stream: StreamNode) => stream.id === id);
}

/** Resolves once the stream has no matching event left to deliver. */
export async function caughtUp(server: TestServer, admin: string, id: string, timeoutMs = 10_000): Promise<StreamNode> {
  let last: StreamNode | undefined;
  await waitUntil(
    async () => {
      last = await streamOf(server, admin, id);
      return last.lagEvents === 0;
    },
    () => `stream ${id} still lags: ${JSON.stringify(last)}`,
    timeoutMs,
  );
  return last!;
}

/** `count` record changes of one actor, numbered in `metadata.n`. */
export const recordChanges = (count: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: count }, (_, n) => ({
    actor: { id: 'jane', email: 'jane@example.com' },
    action: 'UPDATE',
    entityType: 'Opportunity',
    entityId: `opp-${n}`,
    changes: [{ field: 'stage', oldValue: 'Qualification', newValue: 'Proposal' }],
    metadata: { n },
    ...extra,
  }));
