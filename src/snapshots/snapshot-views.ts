import canonicalize from 'canonicalize';
import type { RecordState } from './record-state';
import { RecordSnapshotStatus, type FieldDiff, type RecordSnapshot } from './snapshot.types';

const byField = (a: { field: string }, b: { field: string }) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0);

export function toSnapshot(state: RecordState, at: Date): RecordSnapshot {
  const status = !state.seen
    ? RecordSnapshotStatus.UNKNOWN
    : state.deletedAt
      ? RecordSnapshotStatus.DELETED
      : RecordSnapshotStatus.PRESENT;
  return {
    at,
    status,
    deletedAt: state.deletedAt,
    deletedBy: state.deletedBy,
    lastEventAt: state.lastChangedAt,
    fields: [...state.fields.values()].sort(byField),
  };
}

/** The fields whose values differ between two states of one record; values compared as canonical JSON. */
export function diffStates(from: RecordState, to: RecordState): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  for (const after of to.fields.values()) {
    const before = from.fields.get(after.field);
    if (before && canonicalize(before.value) === canonicalize(after.value)) continue;
    diffs.push({
      field: after.field,
      fromValue: before?.value ?? null,
      toValue: after.value,
      setAtFrom: before !== undefined,
      changedAt: after.setAt,
      changedBy: after.setBy,
    });
  }
  return diffs.sort(byField);
}
