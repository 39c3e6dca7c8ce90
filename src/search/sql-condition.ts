import type { Knex } from '@mikro-orm/postgresql';
import type { IpMatch } from './ast';
import type { BlindIndex } from '../core/sealed-values';

/** A boolean SQL expression with `?` placeholders and their values. */
export interface SqlCondition {
  sql: string;
  bindings: Knex.Value[];
}

/** A column of `audit_events` under the query's alias. */
export type Column = (name: string) => string;

/** `column('occurred_at')` → `"e".occurred_at`; the alias comes from code, never from a client. */
export function columnsOf(alias: string): Column {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(alias)) throw new Error(`not a table alias: ${alias}`);
  return (column) => `"${alias}".${column}`;
}

/**
 * The address or range; an exact address also matches sealed addresses through `indexColumn`, the
 * blind index (src/erasure). A range cannot: sealed addresses are outside every range.
 */
export function ipCondition(column: string, match: IpMatch, indexColumn: string, blind: BlindIndex): SqlCondition {
  if (match.kind === 'cidr') return { sql: `${column} <<= ?::cidr`, bindings: [match.cidr] };
  const terms = blind.blindTerms('ip', [match.address]);
  if (terms.length === 0) return { sql: `${column} = ?::inet`, bindings: [match.address] };
  return { sql: `(${column} = ?::inet OR ${indexColumn} && ?::text[])`, bindings: [match.address, terms] };
}

export function anyOf(conditions: SqlCondition[]): SqlCondition {
  if (conditions.length === 1) return conditions[0];
  return {
    sql: `(${conditions.map((condition) => `(${condition.sql})`).join(' OR ')})`,
    bindings: conditions.flatMap((condition) => condition.bindings),
  };
}

/** Every condition, as one expression that is never NULL: false for the rows a WHERE of them would drop. */
export function allOf(conditions: SqlCondition[]): SqlCondition {
  if (conditions.length === 0) return { sql: 'true', bindings: [] };
  return {
    sql: `COALESCE(${conditions.map((condition) => `(${condition.sql})`).join(' AND ')}, false)`,
    bindings: conditions.flatMap((condition) => condition.bindings),
  };
}

/** NOT that treats an unknown (NULL) as false, so `-role:ADMIN` keeps events without a role. */
export function not(condition: SqlCondition): SqlCondition {
  return { sql: `NOT COALESCE((${condition.sql}), false)`, bindings: condition.bindings };
}

export function applyConditions(qb: Knex.QueryBuilder, conditions: SqlCondition[]): Knex.QueryBuilder {
  for (const condition of conditions) qb.whereRaw(condition.sql, condition.bindings);
  return qb;
}
