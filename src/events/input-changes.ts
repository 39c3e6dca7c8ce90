import type { AuditEventInput } from './audit-event.input';
import { diffRecords, type FieldDiff } from './field-diff';
import { failInput } from './input-problem';
import { jsonProblem } from './json-checks';
import { EVENT_LIMITS as L } from './limits';
import { textProblem } from './text-checks';

/**
 * The field changes of an input: given as `changes`, or computed from `before`/`after`; each checked.
 * @throws BadUserInputError naming `events[index].<field>`.
 */
export function changesOf(input: AuditEventInput, index: number): FieldDiff[] {
  const hasSnapshots = input.before !== undefined || input.after !== undefined;
  if (hasSnapshots && input.changes != null)
    failInput(index, 'changes', 'give either changes or before/after, not both');
  let changes: FieldDiff[];
  if (hasSnapshots) {
    for (const side of ['before', 'after'] as const) {
      const value = input[side];
      if (value != null && (typeof value !== 'object' || Array.isArray(value)))
        failInput(index, side, 'must be an object');
      const problem = value == null ? null : jsonProblem(value, L.maxSnapshotBytes, L.maxJsonDepth);
      if (problem) failInput(index, side, problem);
    }
    changes = diffRecords(input.before, input.after);
  } else {
    changes = (input.changes ?? []).map((change) => ({
      field: change.field,
      oldValue: change.oldValue ?? null,
      newValue: change.newValue ?? null,
    }));
  }
  // Changes computed from before/after are named by what the caller sent (`before`, `after`), not by
  // the `changes[i]` they became, which the caller never saw.
  if (changes.length > L.maxChanges)
    failInput(index, hasSnapshots ? 'after' : 'changes', `has more than ${L.maxChanges} changed fields`);
  const seen = new Set<string>();
  changes.forEach((change, i) => {
    const fieldProblem = seen.has(change.field)
      ? 'is given twice'
      : textProblem(change.field, L.maxFieldNameLength, true);
    if (fieldProblem && hasSnapshots)
      failInput(
        index,
        change.oldValue !== null ? 'before' : 'after',
        `the field "${change.field.slice(0, 200)}" ${fieldProblem}`,
      );
    if (fieldProblem) failInput(index, `changes[${i}].field`, fieldProblem);
    seen.add(change.field);
    for (const side of ['oldValue', 'newValue'] as const) {
      const problem = jsonProblem(change[side], L.maxValueBytes, L.maxJsonDepth);
      if (problem && hasSnapshots)
        failInput(index, side === 'oldValue' ? 'before' : 'after', `the value of "${change.field}" ${problem}`);
      if (problem) failInput(index, `changes[${i}].${side}`, problem);
    }
  });
  return changes;
}
