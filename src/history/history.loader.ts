import type { Knex } from '@mikro-orm/postgresql';
import canonicalize from 'canonicalize';
import DataLoader from 'dataloader';
import { loaderKey } from '../core/context';
import { SEALED_VALUES, type SealedValues } from '../core/sealed-values';
import { eventColumns, type AuditEventRow } from '../events/event-row';
import type { AuditEventConnection } from '../reading/connection.type';
import type { Cursor } from '../reading/cursor';
import { applyEventFilter, type EventFilter } from '../reading/event-filter';
import { toConnection } from '../reading/page';

/** One record's page of history: by entity (`auditHistory`) or by actor (`User.auditActivity`). */
export interface HistoryKey {
  by: 'entity' | 'actor';
  entityType: string;
  id: string;
  first: number;
  cursor: Cursor | null;
  filter: EventFilter;
}

const shapeOf = (key: HistoryKey) => canonicalize([key.by, key.first, key.filter]) ?? '';

/**
 * Batches the history pages asked for in one request: records whose pages have the same shape
 * (size and filter) are read with one SQL statement, whatever their number or cursors.
 * Create one per request: it caches, and its tenant is the caller's.
 */
export function createHistoryLoader(
  knex: Knex,
  sealed: SealedValues,
  tenantId: string,
): DataLoader<HistoryKey, AuditEventConnection, string> {
  return new DataLoader(
    async (keys) => {
      const groups = new Map<string, number[]>();
      keys.forEach((key, index) => groups.set(shapeOf(key), [...(groups.get(shapeOf(key)) ?? []), index]));
      const results: AuditEventConnection[] = new Array(keys.length);
      await Promise.all(
        [...groups.values()].map(async (indexes) => {
          const group = indexes.map((index) => keys[index]);
          const pages = await loadPages(knex, sealed, tenantId, group);
          indexes.forEach((index, position) => (results[index] = pages[position]));
        }),
      );
      return results;
    },
    { cacheKeyFn: (key) => canonicalize(key) ?? '', maxBatchSize: 1000 },
  );
}

async function loadPages(
  knex: Knex,
  sealed: SealedValues,
  tenantId: string,
  keys: readonly HistoryKey[],
): Promise<AuditEventConnection[]> {
  const { by, first, filter } = keys[0];
  const match = by === 'entity' ? 'e.entity_type = k.entity_type AND e.entity_id = k.id' : 'e.actor_id = k.id';
  const page = knex
    .select(eventColumns(knex))
    .from('audit_events as e')
    .where('e.tenant_id', tenantId)
    .whereRaw(match)
    .whereRaw(
      `(k.after_us IS NULL OR (e.occurred_at, e.id) < (timestamptz 'epoch' + k.after_us * interval '1 microsecond', k.after_id))`,
    );
  applyEventFilter(page, filter, { alias: 'e', argument: 'filter', blindIndex: sealed });
  page
    .orderBy([
      { column: 'e.occurred_at', order: 'desc' },
      { column: 'e.id', order: 'desc' },
    ])
    .limit(first + 1);

  const { rows } = await knex.raw(
    `SELECT k.ord, x.* FROM unnest(?::text[], ?::text[], ?::bigint[], ?::uuid[])
       WITH ORDINALITY AS k(entity_type, id, after_us, after_id, ord)
     CROSS JOIN LATERAL (?) x`,
    [
      keys.map((key) => key.entityType),
      keys.map((key) => key.id),
      keys.map((key) => key.cursor?.occurredUs ?? null),
      keys.map((key) => key.cursor?.id ?? null),
      page,
    ] as Knex.Value[],
  );
  const rowsByKey = keys.map((): AuditEventRow[] => []);
  await sealed.open(knex, rows as AuditEventRow[]);
  for (const row of rows as Array<AuditEventRow & { ord: string }>) rowsByKey[Number(row.ord) - 1].push(row);
  return rowsByKey.map((rows) => toConnection(rows, first));
}

/** The request's history loader. */
export const HISTORY_LOADER = loaderKey('history', (services, principal) =>
  createHistoryLoader(services.reads, services.get(SEALED_VALUES), principal.tenantId),
);
