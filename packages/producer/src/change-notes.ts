import type { AuditAction } from './types';
import { keep, kept } from './request-state';

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

const NOTES = Symbol('auditChange notes');

/**
 * Tells the audit plugin, from a resolver, what its mutation changed. `context` is the request's
 * context value. A change naming another record than the mutation's result is recorded as an
 * event of its own (a lead converted into an account and a contact: three events). The plugin
 * reads `before`, `after` and `metadata` when the event's batch leaves: pass objects that will not
 * change (copies, not the records the resolver keeps).
 */
export function auditChange(context: object, change: AuditChange): void {
  const notes = notesOf(context);
  if (notes) notes.push(change);
  else keep(context, NOTES, [change]);
}

/** The notes a request's resolvers left so far, in order: later ones are appended to the same array. */
export function notesOf(context: object): AuditChange[] | undefined {
  return kept<AuditChange[]>(context, NOTES);
}
