import type { Knex } from '@mikro-orm/postgresql';
import type { BlindIndex } from '../core/sealed-values';
import { toDate } from '../db/timestamps';
import { parseSearch } from '../search/parse';
import { applySearch } from '../search/search-sql';
import type { LegalHold } from './retention.types';

interface HoldRow {
  id: string;
  reason: string;
  match: string | null;
  placed_at: string | Date;
  placed_by: string;
  released_at: string | Date | null;
  released_by: string | null;
}

const toHold = (row: HoldRow): LegalHold => ({
  id: row.id,
  reason: row.reason,
  match: row.match,
  placedAt: toDate(row.placed_at),
  placedBy: row.placed_by,
  releasedAt: row.released_at === null ? null : toDate(row.released_at),
  releasedBy: row.released_by,
});

export async function listHolds(knex: Knex, tenantId: string, includeReleased: boolean): Promise<LegalHold[]> {
  const query = knex<HoldRow>('legal_holds').select('*').where('tenant_id', tenantId).orderBy('placed_at');
  if (!includeReleased) query.whereNull('released_at');
  return (await query).map(toHold);
}

export async function insertHold(
  trx: Knex.Transaction,
  tenantId: string,
  hold: { id: string; reason: string; match: string | null; placedBy: string },
): Promise<LegalHold> {
  const [row] = await trx('legal_holds')
    .insert({ tenant_id: tenantId, id: hold.id, reason: hold.reason, match: hold.match, placed_by: hold.placedBy })
    .returning('*');
  return toHold(row);
}

/** Releases an active hold; undefined when the tenant has no such hold, the hold as it was when already released. */
export async function releaseHold(
  trx: Knex.Transaction,
  tenantId: string,
  id: string,
  releasedBy: string,
): Promise<{ before: LegalHold; after: LegalHold } | undefined> {
  const row = await trx<HoldRow>('legal_holds').first('*').where({ tenant_id: tenantId, id }).forUpdate();
  if (!row) return undefined;
  if (row.released_at) return { before: toHold(row), after: toHold(row) };
  const [released] = await trx('legal_holds')
    .update({ released_at: trx.fn.now(), released_by: releasedBy })
    .where({ tenant_id: tenantId, id })
    .returning('*');
  return { before: toHold(row), after: toHold(released) };
}

/**
 * ANDs "held by none of the tenant's active holds" onto a query of `audit_events` aliased `alias`,
 * or "held by one" when `held` is set. A NULL match result counts as held: in doubt, keep.
 */
export function applyHolds(
  qb: Knex.QueryBuilder,
  holds: LegalHold[],
  { alias, held, blindIndex }: { alias: string; held: boolean; blindIndex: BlindIndex },
): Knex.QueryBuilder {
  const active = holds.filter((hold) => !hold.releasedAt);
  if (active.some((hold) => hold.match === null)) return held ? qb : qb.whereRaw('false');
  if (active.length === 0) return held ? qb.whereRaw('false') : qb;
  const anyHold = function (this: Knex.QueryBuilder) {
    for (const hold of active)
      this.orWhere(function (this: Knex.QueryBuilder) {
        applySearch(this, parseSearch(hold.match!), { alias, blindIndex });
      });
  };
  return held ? qb.where(anyHold) : qb.whereNot(anyHold);
}
