import type { Knex } from '@mikro-orm/postgresql';
import { toDate } from '../db/timestamps';

/** The events of a security overview: one tenant, occurred within [from, to]. */
export interface SecurityWindow {
  tenantId: string;
  from: Date;
  to: Date;
  timeZone: string;
}

/** `audit_events e` narrowed to the window and to `actions`. */
export function windowEvents(knex: Knex, window: SecurityWindow, actions: string[]): Knex.QueryBuilder {
  return knex
    .from('audit_events as e')
    .where('e.tenant_id', window.tenantId)
    .where('e.occurred_at', '>=', window.from)
    .where('e.occurred_at', '<=', window.to)
    .whereRaw('e.action = ANY(?::text[])', [actions]);
}

/** Failed logins per local day, every day of the window listed (zero included) so that a chart has no gaps. */
export async function failedLoginTrend(
  knex: Knex,
  window: SecurityWindow,
): Promise<Array<{ day: string; start: Date; count: number }>> {
  const counts = windowEvents(knex, window, ['LOGIN_FAILED'])
    .select(knex.raw('(e.occurred_at AT TIME ZONE ?)::date AS day, count(*)::int AS n', [window.timeZone]))
    .groupByRaw('1');
  const { rows } = await knex.raw(
    `SELECT to_char(d.day, 'YYYY-MM-DD') AS day, (d.day::timestamp AT TIME ZONE ?) AS start, coalesce(c.n, 0) AS count
     FROM generate_series((?::timestamptz AT TIME ZONE ?)::date, (?::timestamptz AT TIME ZONE ?)::date, interval '1 day') AS d(day)
     LEFT JOIN (?) c ON c.day = d.day::date
     ORDER BY d.day`,
    [window.timeZone, window.from, window.timeZone, window.to, window.timeZone, counts],
  );
  return (rows as Array<{ day: string; start: Date | string; count: number }>).map((row) => ({
    day: row.day,
    start: toDate(row.start),
    count: row.count,
  }));
}
