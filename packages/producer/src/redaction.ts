import type { AuditEventInput } from './types';

/**
 * A field that must never leave the producer: a name (case-insensitive, at any depth of `before`,
 * `after`, `changes` and `metadata`) or a pattern tested against each name.
 */
export type RedactionRule = string | RegExp;

/** What a redacted value becomes: the change stays visible, its value does not. */
export const REDACTED = '[REDACTED]';
const MAX_DEPTH = 32;

/**
 * Returns a function that replaces the values of the fields `rules` name in the event it is given
 * (the client's own copy), copying the records and changes it goes through.
 */
export function redactor(rules: readonly RedactionRule[]): (event: AuditEventInput) => void {
  if (rules.length === 0) return () => undefined;
  const names = new Set(rules.filter((rule) => typeof rule === 'string').map((rule) => rule.toLowerCase()));
  const patterns = rules.filter((rule): rule is RegExp => rule instanceof RegExp);
  const secret = (name: string) =>
    names.has(name.toLowerCase()) || patterns.some((pattern) => ((pattern.lastIndex = 0), pattern.test(name)));
  // A changed field is named by its dotted path (`address.street`): any segment may be the secret one.
  const secretPath = (path: string) => path.split('.').some(secret);

  const scrub = (value: unknown, depth: number): unknown => {
    if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
    if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
    if (value instanceof Date) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) copy[key] = secret(key) ? REDACTED : scrub(inner, depth + 1);
    return copy;
  };
  const scrubRecord = (value: Record<string, unknown> | null | undefined) =>
    value == null ? value : (scrub(value, 0) as Record<string, unknown>);

  return (event) => {
    event.before = scrubRecord(event.before);
    event.after = scrubRecord(event.after);
    event.metadata = scrubRecord(event.metadata);
    event.changes = event.changes?.map((change) =>
      secretPath(change.field)
        ? {
            field: change.field,
            oldValue: change.oldValue == null ? null : REDACTED,
            newValue: change.newValue == null ? null : REDACTED,
          }
        : { field: change.field, oldValue: scrub(change.oldValue, 0), newValue: scrub(change.newValue, 0) },
    );
  };
}
