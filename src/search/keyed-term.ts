import { AuditAction, AuditCategory, AuditSource } from '../events/enums';
import type { SearchKey, SearchTerm } from './ast';
import { parseDateRange } from './date-range';
import { SearchSyntaxError } from './errors';
import { parseIpMatch } from './ip-match';

/** The keys whose values are an enum's names, and those names. */
export const ENUM_KEY_VALUES: Partial<Record<SearchKey, readonly string[]>> = {
  action: Object.values(AuditAction),
  category: Object.values(AuditCategory),
  source: Object.values(AuditSource),
};

/** Validates and normalises the value of `key:value` (enum names to upper case, IPs and dates parsed). */
export function keyedTerm(key: SearchKey, value: string, negated: boolean, position: number): SearchTerm {
  if (value === '') throw new SearchSyntaxError(`${key}: empty value`, position);
  if (key === 'ip') {
    const match = parseIpMatch(value);
    if (!match) throw new SearchSyntaxError(`ip: "${value}" is not an IP address or CIDR range`, position);
    return { kind: 'ip', key, match, negated, position };
  }
  if (key === 'date') {
    const range = parseDateRange(value);
    const forms = '2026-05-01, >2026-05-01, <=2026-05-01T12:00:00Z or 2026-05-01..2026-05-07';
    if (!range) throw new SearchSyntaxError(`date: "${value}" is not a date or date range (e.g. ${forms})`, position);
    return { kind: 'date', key, raw: value, range, negated, position };
  }
  const allowed = ENUM_KEY_VALUES[key];
  if (!allowed) return { kind: 'value', key, value, negated, position };
  const upper = value.toUpperCase();
  if (!allowed.includes(upper)) {
    throw new SearchSyntaxError(`${key}: "${value}" is not one of ${allowed.join(', ')}`, position);
  }
  return { kind: 'value', key, value: upper, negated, position };
}
