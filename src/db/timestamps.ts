import parsePostgresDate from 'postgres-date';

/**
 * MikroORM's PostgreSQL connection hands timestamps over as PostgreSQL's text; raw queries
 * through its knex turn them into `Date`s here. Infinities stay numbers (±Infinity).
 */
export function toDate(value: string | Date): Date {
  if (value instanceof Date) return value;
  const parsed = parsePostgresDate(value);
  if (parsed === null) throw new Error(`not a PostgreSQL timestamp: ${value}`);
  return parsed as Date;
}
