import type { Column, SqlCondition } from './sql-condition';

/** What each token of `search_tokens` marks its value with (see `searchTokensOf`). */
export type TokenKind = 'u' | 'm' | 'r' | 'a' | 'c' | 's' | 'e' | 'i' | 'n' | 'f' | 'o' | 'v';

/** Tokens keep this many characters (code points) of their value, so that none outgrows a GIN entry. */
const TOKEN_CHARACTERS = 200;

function token(kind: TokenKind, value: string): string {
  // A string of at most TOKEN_CHARACTERS UTF-16 units has at most as many code points: no need to split it.
  const cut = value.length <= TOKEN_CHARACTERS ? value : Array.from(value).slice(0, TOKEN_CHARACTERS).join('');
  return `${kind}:${cut}`;
}

/** The fields of an event that its search tokens come from. */
export interface TokenSource {
  actorId: string;
  actorEmail: string | null;
  actorRole: string | null;
  action: string;
  category: string;
  source: string;
  entityType: string | null;
  entityId: string | null;
  sessionId: string | null;
  changes: ReadonlyArray<{ field: string; oldValue?: unknown; newValue?: unknown }>;
  /**
   * Whether a value is opaque to every search (sealed personal data, matched through its blind index
   * instead): it gets no token, which would only grow the index.
   */
  opaque?: (value: unknown) => boolean;
}

/**
 * A number as PostgreSQL's numeric prints what JSON.stringify wrote: the same digits, but never in
 * exponent form (`1e+21` reads back as `1000000000000000000000`, `1.5e-7` as `0.00000015`).
 */
function numericText(value: number): string {
  const text = String(value);
  const exponent = text.indexOf('e');
  if (exponent < 0) return text;
  const sign = text.startsWith('-') ? '-' : '';
  const mantissa = text.slice(sign.length, exponent);
  const power = Number(text.slice(exponent + 1));
  const point = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const integerDigits = (point < 0 ? mantissa.length : point) + power;
  if (integerDigits <= 0) return `${sign}0.${'0'.repeat(-integerDigits)}${digits}`;
  if (integerDigits >= digits.length) return `${sign}${digits}${'0'.repeat(integerDigits - digits.length)}`;
  return `${sign}${digits.slice(0, integerDigits)}.${digits.slice(integerDigits)}`;
}

const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/** jsonb's order of object keys: shorter (in bytes) first, then bytewise. */
function jsonbKeyOrder(a: string, b: string): number {
  const byLength = utf8Length(a) - utf8Length(b);
  return byLength !== 0 ? byLength : Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** A JSON value as PostgreSQL prints a jsonb (what `->>` gives for an object or an array). */
function jsonbText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return numericText(value);
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(', ')}]`;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort(jsonbKeyOrder);
  return `{${keys.map((key) => `${JSON.stringify(key)}: ${jsonbText(object[key])}`).join(', ')}}`;
}

/** A change's old or new value as `c->>'oldValue'` reads it from the stored jsonb, JSON null as `null`. */
function changeValueText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  return typeof value === 'string' ? value : jsonbText(value);
}

/**
 * The event's search tokens, stored in `search_tokens` (GIN-indexed) when the event is written: a token
 * per value a keyed term compares with. `u:` actor id, `m:` email and email local part (lowered),
 * `r:` role, `e:` entity type (lowered), `a:` action, `c:` category, `s:` source, `i:` entity id,
 * `n:` session, `f:` changed field, `o:`/`v:` old/new value (lowered, JSON null as `null`). The
 * query side (`tokenCheck`) writes a term's values the same way, so a search finds exactly the
 * events whose columns its comparison would accept.
 */
export function searchTokensOf(event: TokenSource): string[] {
  const tokens = [token('u', event.actorId)];
  const opaque = event.opaque ?? (() => false);
  if (event.actorEmail !== null && !opaque(event.actorEmail)) {
    const email = event.actorEmail.toLowerCase();
    const at = email.indexOf('@');
    tokens.push(token('m', email), token('m', at < 0 ? email : email.slice(0, at)));
  }
  if (event.actorRole !== null) tokens.push(token('r', event.actorRole.toLowerCase()));
  tokens.push(token('a', event.action), token('c', event.category), token('s', event.source));
  if (event.entityType !== null) tokens.push(token('e', event.entityType.toLowerCase()));
  if (event.entityId !== null) tokens.push(token('i', event.entityId));
  if (event.sessionId !== null) tokens.push(token('n', event.sessionId));
  for (const change of event.changes) tokens.push(token('f', change.field));
  for (const change of event.changes) {
    if (!opaque(change.oldValue)) tokens.push(token('o', changeValueText(change.oldValue).toLowerCase()));
    if (!opaque(change.newValue)) tokens.push(token('v', changeValueText(change.newValue).toLowerCase()));
  }
  return tokens;
}

/** Values compared as given or as lowered, and the kind of token each becomes. */
export type TokenValues = Array<[TokenKind, string]>;

/**
 * The event has one of the tokens of `values`. A value shorter than the tokens' cut is its own
 * token, so the check is the comparison itself (`exact`); a longer one only implies its cut token.
 */
export function tokenCheck(values: TokenValues, column: Column): { condition: SqlCondition; exact: boolean } {
  const tokens = values.map(([kind, value]) => token(kind, value));
  return {
    condition: { sql: `${column('search_tokens')} && ?::text[]`, bindings: [[...new Set(tokens)]] },
    exact: values.every(([, value]) => Array.from(value).length < TOKEN_CHARACTERS),
  };
}

/** `condition` written so that the search tokens' GIN index can answer it: the check alone when exact, else both. */
export function throughTokens(condition: SqlCondition, values: TokenValues, column: Column): SqlCondition {
  const check = tokenCheck(values, column);
  return check.exact ? check.condition : andAll([check.condition, condition]);
}

export function andAll(conditions: SqlCondition[]): SqlCondition {
  if (conditions.length === 1) return conditions[0];
  return {
    sql: conditions.map((part) => `(${part.sql})`).join(' AND '),
    bindings: conditions.flatMap((part) => part.bindings),
  };
}
