import type { Column, SqlCondition } from './sql-condition';

/** What `audit_search_tokens` (src/reading/migrations) marks each value with. */
export type TokenKind = 'u' | 'm' | 'r' | 'a' | 'c' | 's' | 'e' | 'i' | 'n' | 'f' | 'o' | 'v';

/** Tokens keep this many characters (code points, as PostgreSQL's `left` counts them). */
const TOKEN_CHARACTERS = 200;

/** The indexed expression, written exactly as the GIN index has it so that the planner can use the index. */
function tokensOf(column: Column): string {
  const columns = ['actor_id', 'actor_email', 'actor_role', 'action', 'category', 'source', 'entity_type', 'entity_id'];
  return `audit_search_tokens(${[...columns, 'session_id', 'changed_fields', 'changes'].map(column).join(', ')})`;
}

/** Values compared as given or as lowered, and the kind of token each becomes. */
export type TokenValues = Array<[TokenKind, string]>;

/**
 * The event has one of the tokens of `values`. A value shorter than the tokens' cut is its own
 * token, so the check is the comparison itself (`exact`); a longer one only implies its cut token.
 */
export function tokenCheck(values: TokenValues, column: Column): { condition: SqlCondition; exact: boolean } {
  const tokens = values.map(([kind, value]) => `${kind}:${Array.from(value).slice(0, TOKEN_CHARACTERS).join('')}`);
  return {
    condition: { sql: `${tokensOf(column)} && ?::text[]`, bindings: [[...new Set(tokens)]] },
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
