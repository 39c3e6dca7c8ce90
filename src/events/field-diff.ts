import canonicalize from 'canonicalize';

export interface FieldDiff {
  field: string;
  oldValue: unknown;
  newValue: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonicalize(a ?? null) === canonicalize(b ?? null);
}

/**
 * The fields that differ between two snapshots of a record. Nested objects become dotted
 * paths (`address.city`), also where the object appears or disappears; arrays and scalars are compared as whole values. A field missing on
 * one side has `null` there. Sorted by field so that equal inputs give equal diffs.
 */
export function diffRecords(before: unknown, after: unknown, prefix = ''): FieldDiff[] {
  const oldObject = isPlainObject(before) ? before : {};
  const newObject = isPlainObject(after) ? after : {};
  const keys = [...new Set([...Object.keys(oldObject), ...Object.keys(newObject)])].sort();
  const diffs: FieldDiff[] = [];
  for (const key of keys) {
    const field = prefix + key;
    const oldValue = oldObject[key];
    const newValue = newObject[key];
    const absentOrObject = (value: unknown) => value === undefined || value === null || isPlainObject(value);
    if ((isPlainObject(oldValue) || isPlainObject(newValue)) && absentOrObject(oldValue) && absentOrObject(newValue)) {
      diffs.push(...diffRecords(oldValue, newValue, `${field}.`));
      continue;
    }
    if (!sameJson(oldValue, newValue)) diffs.push({ field, oldValue: oldValue ?? null, newValue: newValue ?? null });
  }
  return diffs;
}
