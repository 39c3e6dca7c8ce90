import canonicalize from 'canonicalize';
import { Kind, type DocumentNode, type FieldNode, type GraphQLSchema } from 'graphql';
import type { RequestContext } from '../core/context';
import type { LiveHub } from './live-hub';
import type { SocketWriter } from './socket-writer';

export const LIVE_FIELD = 'auditEventRecorded';

/** The operation a WebSocket subscriber sent, as the live field's subscribe resolver needs it. */
export interface LiveOperation {
  hub: LiveHub;
  schema: GraphQLSchema;
  document: DocumentNode;
  query: string;
  operationName?: string | null;
  /** As the client sent them (not coerced): they are coerced again at each execution. */
  variableValues?: Record<string, unknown> | null;
  /** The graphql-ws subscription id: the live field's frames are written with it, straight to `writer`. */
  subscriptionId: string;
  writer: SocketWriter;
}

/** A subscription's context: a request context plus the operation; absent over HTTP. */
export interface LiveContext extends RequestContext {
  live?: LiveOperation;
}

/**
 * What subscribers must have in common to share a feed: the operation and its variables,
 * except the one that only says where each subscriber starts.
 */
export function feedKeyOf(live: LiveOperation, field: FieldNode): string {
  const after = field.arguments?.find((argument) => argument.name.value === 'afterSequence')?.value;
  const variables = { ...(live.variableValues ?? {}) };
  if (after?.kind === Kind.VARIABLE) delete variables[after.name.value];
  return canonicalize([live.query, live.operationName ?? null, variables]) ?? '';
}

/** True when the operation subscribes to the live field (the only one whose results are pre-rendered). */
export function subscribesToLiveField(document: DocumentNode, operationName?: string | null): boolean {
  return document.definitions.some(
    (definition) =>
      definition.kind === Kind.OPERATION_DEFINITION &&
      definition.operation === 'subscription' &&
      (!operationName || definition.name?.value === operationName) &&
      definition.selectionSet.selections.some(
        (selection) => selection.kind === Kind.FIELD && selection.name.value === LIVE_FIELD,
      ),
  );
}
