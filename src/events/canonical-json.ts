/** Returned by `inCanonicalOrder` for a value whose RFC 8785 form JSON.stringify cannot write. */
export const NOT_PLAIN = Symbol('not plain JSON');

// JavaScript lists integer-like keys first, whatever the insertion order, and `__proto__` cannot
// be assigned as an own key: an object that would need such keys rearranged is NOT_PLAIN.
const REORDERED_BY_JS = /^(0|[1-9][0-9]*)$|^__proto__$/;

/**
 * The same JSON value with every object's keys in RFC 8785 order (by UTF-16 code units), so that
 * the native JSON.stringify writes its canonical form: strings and finite numbers it already writes
 * as RFC 8785 does. What is already in order is reused, not copied. NOT_PLAIN for what JSON.stringify
 * would write differently (non-finite numbers, `toJSON`, keys JavaScript would reorder).
 */
export function inCanonicalOrder(value: unknown): unknown {
  if (typeof value !== 'object' || value === null)
    return typeof value === 'number' && !Number.isFinite(value) ? NOT_PLAIN : value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = inCanonicalOrder(value[i]);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      if (item !== value[i]) (copy ??= value.slice())[i] = item;
    }
    return copy ?? value;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return NOT_PLAIN;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  let same = true;
  for (let i = 1; i < keys.length && same; i++) same = keys[i - 1] < keys[i];
  if (!same) keys.sort();
  const items = new Array<unknown>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    items[i] = inCanonicalOrder(object[keys[i]]);
    if (items[i] === NOT_PLAIN) return NOT_PLAIN;
    same &&= items[i] === object[keys[i]];
  }
  if (same) return object;
  if (keys.some((key) => REORDERED_BY_JS.test(key))) return NOT_PLAIN;
  const copy: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) copy[keys[i]] = items[i];
  return copy;
}
