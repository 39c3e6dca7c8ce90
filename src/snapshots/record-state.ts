import type { AuditActor } from '../events/audit-event.type';
import type { TimelineEvent } from './timeline.loader';

/** A field's value as the log last saw it set. */
export interface FieldState {
  field: string;
  value: unknown;
  setAt: Date;
  setBy: AuditActor;
  eventId: string;
}

export interface RecordState {
  /** False when no event of the record occurred by then. */
  seen: boolean;
  deletedAt: Date | null;
  deletedBy: AuditActor | null;
  lastChangedAt: Date | null;
  fields: Map<string, FieldState>;
}

const DELETING = new Set<string>(['DELETE', 'BULK_DELETE']);
const RECREATING = new Set<string>(['CREATE', 'RESTORE']);

/**
 * Replays a record's events (oldest first) that occurred at or before `at`. A deletion keeps the
 * last values (its own changes, typically everything to null, are not applied) so that a deleted
 * record still shows what it held; a CREATE or RESTORE brings it back and applies its changes.
 */
export function foldTimeline(events: readonly TimelineEvent[], at: Date): RecordState {
  const state: RecordState = { seen: false, deletedAt: null, deletedBy: null, lastChangedAt: null, fields: new Map() };
  for (const event of events) {
    if (event.occurredAt > at) break;
    state.seen = true;
    state.lastChangedAt = event.occurredAt;
    if (DELETING.has(event.action)) {
      state.deletedAt = event.occurredAt;
      state.deletedBy = event.actor;
      continue;
    }
    if (RECREATING.has(event.action)) {
      state.deletedAt = null;
      state.deletedBy = null;
    }
    for (const change of event.changes) {
      state.fields.set(change.field, {
        field: change.field,
        value: change.newValue ?? null,
        setAt: event.occurredAt,
        setBy: event.actor,
        eventId: event.id,
      });
    }
  }
  return state;
}
