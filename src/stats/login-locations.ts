import type { Knex } from '@mikro-orm/postgresql';
import { windowEvents, type SecurityWindow } from './security-window';
import type { LoginLocation } from './security.types';

/** Places of the window's LOGIN and LOGIN_FAILED events that carry a location, busiest first. */
export async function loginLocations(knex: Knex, window: SecurityWindow, limit: number): Promise<LoginLocation[]> {
  const rows = await windowEvents(knex, window, ['LOGIN', 'LOGIN_FAILED'])
    .whereNotNull('e.location')
    .select(
      knex.raw(`e.location->>'country' AS country, e.location->>'region' AS region, e.location->>'city' AS city,
        avg((e.location->>'latitude')::float8) AS latitude, avg((e.location->>'longitude')::float8) AS longitude,
        (count(*) FILTER (WHERE e.action = 'LOGIN'))::int AS logins,
        (count(*) FILTER (WHERE e.action = 'LOGIN_FAILED'))::int AS "failedLogins"`),
    )
    .groupByRaw('1, 2, 3')
    .orderByRaw('count(*) DESC, 1, 2, 3')
    .limit(limit);
  return rows as LoginLocation[];
}
