import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { toDate } from '../db/timestamps';

/** PostgreSQL's text of a timestamptz in a UTC session: `2026-11-22 12:00:00.123456+00`, fraction optional. */
const PG_UTC_TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?\+00$/;
/** Any other PostgreSQL timestamptz text (another session time zone): the date, then a space. */
const PG_TIMESTAMP = /^\d{4}-\d\d-\d\d \d/;

/**
 * `2026-11-22 12:00:00.123456+00` → `2026-11-22T12:00:00.123Z`, what `Date#toISOString` prints for
 * it: the fraction is cut to milliseconds, not rounded, as `postgres-date` (db/timestamps.ts) does.
 */
export function isoFromPgUtc(text: string): string {
  const fraction = text.length > 22 ? text.slice(20, Math.min(23, text.length - 3)) : '';
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction.padEnd(3, '0')}Z`;
}

/**
 * ISO-8601 instants; the name other subgraphs use too, so that the supergraph composes. It is
 * graphql-scalars' DateTime, and also prints PostgreSQL's text of a timestamp: read paths that only
 * answer with the instants (the history pages, 2 timestamps × 2000 events) leave them as the driver
 * gave them instead of parsing each into a `Date` to print it again.
 */
export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  serialize(value) {
    if (typeof value === 'string') {
      if (PG_UTC_TIMESTAMP.test(value)) return isoFromPgUtc(value);
      if (PG_TIMESTAMP.test(value)) return DateTimeResolver.serialize(toDate(value));
    }
    return DateTimeResolver.serialize(value);
  },
});
/** Any JSON value. */
export const JSONScalar = JSONResolver;
