import type { Knex } from '@mikro-orm/postgresql';
import type { BlindIndex } from '../core/sealed-values';
import { toDate } from '../db/timestamps';
import { applyCriteria, type EventCriteria } from '../reading/apply-criteria';
import { AuditStatsDimension, type StatsInterval, type AuditStats, type AuditStatsGroup } from './stats.types';

type GroupColumn = Exclude<keyof AuditStatsGroup, 'count' | 'bucket'>;

const DIMENSIONS: Record<AuditStatsDimension, { column: GroupColumn; sql: string }> = {
  [AuditStatsDimension.ACTION]: { column: 'action', sql: 'e.action' },
  [AuditStatsDimension.CATEGORY]: { column: 'category', sql: 'e.category' },
  [AuditStatsDimension.ENTITY_TYPE]: { column: 'entityType', sql: 'e.entity_type' },
  [AuditStatsDimension.ACTOR]: { column: 'actorId', sql: 'e.actor_id' },
  [AuditStatsDimension.SOURCE]: { column: 'source', sql: 'e.source' },
  [AuditStatsDimension.IP_ADDRESS]: { column: 'ipAddress', sql: 'host(e.ip_address)' },
  [AuditStatsDimension.COUNTRY]: { column: 'country', sql: "e.location->>'country'" },
};

const UNITS: Record<StatsInterval, string> = { HOUR: 'hour', DAY: 'day', WEEK: 'week' };

export interface StatsArgs extends EventCriteria {
  groupBy: AuditStatsDimension[];
  interval: StatsInterval | null;
  /** Already checked against PostgreSQL's zone names. */
  timeZone: string;
  limit: number;
}

/** One aggregate over the tenant's matching events; window sums give the total beyond `limit`. */
export async function queryStats(
  knex: Knex,
  blindIndex: BlindIndex,
  tenantId: string,
  args: StatsArgs,
): Promise<AuditStats> {
  const dimensions = [...new Set(args.groupBy)].map((dimension) => DIMENSIONS[dimension]);
  const selects = dimensions.map((dimension) => `${dimension.sql} AS "${dimension.column}"`);
  if (args.interval) selects.unshift(`date_trunc('${UNITS[args.interval]}', e.occurred_at, ?) AS bucket`);
  const inner = knex
    .select(knex.raw([...selects, 'count(*)::int AS count'].join(', '), args.interval ? [args.timeZone] : []))
    .from('audit_events as e')
    .where('e.tenant_id', tenantId);
  applyCriteria(inner, args, { indexed: true, blindIndex });
  if (selects.length > 0) inner.groupByRaw(selects.map((_, index) => index + 1).join(', '));

  const order = [...(args.interval ? ['g.bucket'] : []), 'g.count DESC', ...dimensions.map((d) => `g."${d.column}"`)];
  const { rows } = await knex.raw(
    `SELECT g.*, sum(g.count) OVER ()::bigint AS total, count(*) OVER () AS group_count
     FROM (?) g ORDER BY ${order.join(', ')} LIMIT ?`,
    [inner, args.limit],
  );
  const typed = rows as Array<
    Record<string, unknown> & { count: number; total: string; group_count: string; bucket?: string }
  >;
  const columns = dimensions.map((dimension) => dimension.column);
  return {
    total: typed.length > 0 ? Number(typed[0].total) : 0,
    truncated: typed.length > 0 && Number(typed[0].group_count) > typed.length,
    timeZone: args.timeZone,
    groups: typed.map((row) => toGroup(row, columns)),
  };
}

function toGroup(
  row: Record<string, unknown> & { count: number; bucket?: string },
  columns: GroupColumn[],
): AuditStatsGroup {
  const group: AuditStatsGroup = {
    count: row.count,
    bucket: row.bucket ? toDate(row.bucket) : null,
    action: null,
    category: null,
    entityType: null,
    actorId: null,
    source: null,
    ipAddress: null,
    country: null,
  };
  for (const column of columns) group[column] = (row[column] as string | null) ?? null;
  return group;
}
