import type { AuditAction } from './types';

/** What a resolver says of the change it made, for the plugin to record with the mutation. */
export interface AuditChange {
  /** Defaults to the mutation's result. */
  entityType?: string;
  entityId?: string;
  /** The record before and after the change: the audit subgraph computes the field diff. */
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  /** Defaults to the action the mutation's name implies. */
  action?: AuditAction;
  metadata?: Record<string, unknown>;
}

const notesByRequest = new WeakMap<object, AuditChange[]>();

/**
 * Tells the audit plugin, from a resolver, what its mutation changed. `context` is the request's
 * context value. A change naming another record than the mutation's result is recorded as an
 * event of its own (a lead converted into an account and a contact: three events).
 */
export function auditChange(context: object, change: AuditChange): void {
  const notes = notesByRequest.get(context);
  if (notes) notes.push(change);
  else notesByRequest.set(context, [change]);
}

/** The notes a request's resolvers left from position `from` on. */
export function notesOf(context: object, from = 0): AuditChange[] {
  return notesByRequest.get(context)?.slice(from) ?? [];
}
