import { execute, type DocumentNode, type GraphQLSchema } from 'graphql';
import { toAuditEvent, type AuditEventRow } from '../events/event-row';
import { redactEvent, type Redaction } from '../events/redaction';
import type { EventCriteria } from '../reading/apply-criteria';

/** What every subscriber of a feed has in common: tenant, criteria and the operation to run per event. */
export interface FeedShape {
  tenantId: string;
  /** Subscribers of one tenant with the same key share a feed. */
  feedKey: string;
  criteria: EventCriteria;
  /** What its subscribers may not see; part of the feed key, so that all of them have the same. */
  redaction: Redaction | null;
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: Record<string, unknown> | null;
  /** One subscriber's context: the selection reads nothing caller-specific beyond the tenant. */
  contextValue: unknown;
}

/** One event as every subscriber of a feed gets it: executed and serialised once for all of them. */
export interface RenderedEvent {
  sequence: bigint;
  /** The execution result as JSON: the `payload` of each subscriber's `next` message. */
  json: string;
  /** Milliseconds since the epoch (for the commit-to-send histogram). */
  committedAt: number;
}

/**
 * Runs the feed's operation with the event as its root, as graphql-js would per subscriber.
 * `committedAt` defaults to the event's recording time when the commit notice is not known.
 */
export async function renderEvent(shape: FeedShape, row: AuditEventRow, committedAt?: number): Promise<RenderedEvent> {
  const event = redactEvent(toAuditEvent(row), shape.redaction);
  const { schema, document, operationName, variableValues, contextValue } = shape;
  const result = await execute({ schema, document, operationName, variableValues, contextValue, rootValue: event });
  // GraphQLError's toJSON gives the same shape graphql-ws would send for `errors`.
  return {
    sequence: BigInt(row.sequence),
    json: JSON.stringify(result),
    committedAt: committedAt ?? event.recordedAt.getTime(),
  };
}
