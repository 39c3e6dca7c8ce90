import type { Knex } from '@mikro-orm/postgresql';
import { toDate } from '../../db/timestamps';
import type { Detection } from './detection';
import { findWindowHits, type WindowHit, type WindowPoint, type WindowRule } from './sliding-window';

/** Which events a windowed rule counts, per which group, and how much each weighs. */
export interface WindowSpec extends WindowRule {
  /** Narrows rows of `audit_events` aliased `e`. */
  applyMatch(qb: Knex.QueryBuilder): Knex.QueryBuilder;
  /** SQL over `e` giving the group's key (NULL: the event counts for no group). */
  groupSql: string;
  /** SQL over `e` giving the event's weight. */
  weightSql?: string;
}

export interface GroupHit extends WindowHit {
  groupKey: string;
}

/**
 * The windows that reach the threshold and hold an event of this step. Only the groups of this
 * step's matching events are read back, and only around their occurredAt, so late events count
 * where they belong; events recorded after this step are left for the next one.
 */
export async function findGroupHits(
  spec: WindowSpec,
  { trx, tenantId, fromSequence, toSequence }: Detection,
): Promise<GroupHit[]> {
  const touched = spec
    .applyMatch(trx.from('audit_events as e').where('e.tenant_id', tenantId))
    .whereRaw('e.sequence > ? AND e.sequence <= ?', [fromSequence, toSequence])
    .select(trx.raw(`${spec.groupSql} AS g`), trx.raw('min(e.occurred_at) AS lo'), trx.raw('max(e.occurred_at) AS hi'))
    .whereRaw(`${spec.groupSql} IS NOT NULL`)
    .groupByRaw('1');
  const groups: Array<{ g: string; lo: string; hi: string }> = await touched;
  if (groups.length === 0) return [];
  const windowSql = `make_interval(secs => ${Number(spec.windowSeconds)})`;
  const rows: Array<{
    id: string;
    sequence: string;
    occurred_at: Date | string;
    actor_id: string;
    g: string;
    w: string | number;
  }> = await spec
    .applyMatch(trx.from('audit_events as e').where('e.tenant_id', tenantId))
    .whereRaw('e.sequence <= ?', [toSequence])
    .whereRaw(`e.occurred_at >= ?::timestamptz - ${windowSql}`, [minOf(groups.map((group) => group.lo))])
    .whereRaw(`e.occurred_at <= ?::timestamptz + ${windowSql}`, [maxOf(groups.map((group) => group.hi))])
    .whereRaw(`${spec.groupSql} = ANY(?::text[])`, [groups.map((group) => group.g)])
    .select(
      'e.id',
      'e.sequence',
      'e.occurred_at',
      'e.actor_id',
      trx.raw(`${spec.groupSql} AS g`),
      trx.raw(`${spec.weightSql ?? '1'} AS w`),
    )
    .orderBy([{ column: 'g' }, { column: 'e.occurred_at' }, { column: 'e.sequence' }]);
  const byGroup = new Map<string, WindowPoint[]>();
  for (const row of rows) {
    const points = byGroup.get(row.g) ?? [];
    points.push({
      id: row.id,
      sequence: String(row.sequence),
      occurredAt: toDate(row.occurred_at),
      actorId: row.actor_id,
      weight: Number(row.w),
      isNew: BigInt(row.sequence) > BigInt(fromSequence),
    });
    byGroup.set(row.g, points);
  }
  return [...byGroup].flatMap(([groupKey, points]) =>
    findWindowHits(points, spec).map((hit) => ({ ...hit, groupKey })),
  );
}

const minOf = (values: string[]) => values.reduce((a, b) => (toDate(a) <= toDate(b) ? a : b));
const maxOf = (values: string[]) => values.reduce((a, b) => (toDate(a) >= toDate(b) ? a : b));
