import type { Knex } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../errors';

let known: Promise<Set<string>> | undefined;

/** PostgreSQL's zone names are read once per process: the list only changes with a server upgrade. */
function knownTimeZones(knex: Knex): Promise<Set<string>> {
  known ??= knex
    .raw('SELECT name FROM pg_timezone_names')
    .then(({ rows }: { rows: Array<{ name: string }> }) => new Set(rows.map((row) => row.name)))
    .catch((error: unknown) => {
      known = undefined;
      throw error;
    });
  return known;
}

/**
 * The zone in which time buckets and days are cut: an IANA name PostgreSQL knows (`Europe/Paris`, `UTC`).
 * @throws BadUserInputError naming `argument` for an unknown zone.
 */
export async function checkTimeZone(knex: Knex, timeZone: string, argument = 'timeZone'): Promise<string> {
  if (!(await knownTimeZones(knex)).has(timeZone))
    throw new BadUserInputError(
      argument,
      `"${timeZone}" is not a time zone name PostgreSQL knows (e.g. Europe/Paris, UTC)`,
    );
  return timeZone;
}
