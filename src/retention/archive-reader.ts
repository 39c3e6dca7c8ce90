import type { Knex } from '@mikro-orm/postgresql';
import type { EventCriteria } from '../reading/apply-criteria';
import type { ArchiveGeneration, ArchiveSearch } from '../reading/archive-search';
import type { Cursor } from '../reading/cursor';
import type { EventFilter } from '../reading/event-filter';
import type { SearchQuery } from '../search/ast';
import { parseSearch } from '../search/parse';
import type { ObjectStore } from '../storage/object-store';
import { filterPredicate, searchPredicate, type RowPredicate } from './archive-match';
import { liveRowOfArchiveRow } from './archive-row';
import { localCopy, readParquetRows, sqlText } from './parquet';

const FIRST_CHUNK = 1000;
const MAX_CHUNK = 200_000;

const inList = (column: string, values: string[]) => `${column} IN (${values.map(sqlText).join(', ')})`;
const microseconds = (at: Date) => `${BigInt(at.getTime()) * 1000n}`;

/**
 * Conditions DuckDB can apply while reading the Parquet files: the filter's lists and range and
 * the search's positive exact keys. They select a superset of the matches; the predicates of
 * archive-match.ts then decide each row exactly as the live SQL does.
 */
function pushdown(filter: EventFilter | undefined, query: SearchQuery | null): string[] {
  const conditions: string[] = [];
  if (filter) {
    if (filter.from) conditions.push(`occurred_us >= ${microseconds(filter.from)}`);
    if (filter.to) conditions.push(`occurred_us <= ${microseconds(filter.to)}`);
    const lists: Array<[string, string[] | undefined]> = [
      ['actor_id', filter.actorIds],
      ['action', filter.actions],
      ['category', filter.categories],
      ['entity_type', filter.entityTypes],
      ['entity_id', filter.entityIds],
      ['source', filter.sources],
    ];
    for (const [column, values] of lists) if (values && values.length > 0) conditions.push(inList(column, values));
  }
  const exactColumns: Record<string, string> = {
    action: 'action',
    category: 'category',
    source: 'source',
    id: 'entity_id',
    session: 'session_id',
  };
  const byKey = new Map<string, string[]>();
  for (const term of query?.terms ?? [])
    if (term.kind === 'value' && !term.negated && (term.key in exactColumns || term.key === 'entity'))
      byKey.set(term.key, [...(byKey.get(term.key) ?? []), term.value]);
  for (const [key, values] of byKey)
    conditions.push(
      key === 'entity'
        ? inList(
            'lower(entity_type)',
            values.map((value) => value.toLowerCase()),
          )
        : inList(exactColumns[key], values),
    );
  return conditions;
}

/** The archive search `auditEvents(includeArchived: true)` uses: DuckDB over local copies of the Parquet files. */
export function archiveSearch(knex: Knex, store: ObjectStore): ArchiveSearch {
  return async (tenantId: string, criteria: EventCriteria, limit: number, cursor: Cursor | null) => {
    const files = knex('archive_files')
      .select('key', 'sha256')
      .where('tenant_id', tenantId)
      .whereNotNull('removed_from_live_at')
      .whereNull('deleted_at')
      .orderBy('occurred_to', 'desc');
    if (cursor)
      files.where(
        'occurred_from',
        '<=',
        knex.raw(`timestamptz 'epoch' + ? * interval '1 microsecond'`, [cursor.occurredUs]),
      );
    if (criteria.filter?.from) files.where('occurred_to', '>=', criteria.filter.from);
    if (criteria.filter?.to) files.where('occurred_from', '<=', criteria.filter.to);
    const found: Array<{ key: string; sha256: string }> = await files;
    if (found.length === 0) return [];
    const locals = await Promise.all(found.map((file) => localCopy(store, file.key, file.sha256)));

    const now = new Date();
    const query = criteria.search ? parseSearch(criteria.search) : null;
    const savedQuery = criteria.saved?.search ? parseSearch(criteria.saved.search) : null;
    const predicates: RowPredicate[] = [filterPredicate(criteria.filter, now)];
    if (query) predicates.push(searchPredicate(query));
    if (criteria.saved) predicates.push(filterPredicate(criteria.saved.filter, now));
    if (savedQuery) predicates.push(searchPredicate(savedQuery));
    const where = [
      `tenant_id = ${sqlText(tenantId)}`,
      ...pushdown(criteria.filter, query),
      ...pushdown(criteria.saved?.filter, savedQuery),
    ];

    const matches = [];
    let position = cursor;
    let chunk = FIRST_CHUNK;
    for (;;) {
      const after = position
        ? [
            `(occurred_us < ${position.occurredUs} OR (occurred_us = ${position.occurredUs} AND id < ${sqlText(position.id)}))`,
          ]
        : [];
      const rows = await readParquetRows(
        locals,
        [...where, ...after].join(' AND '),
        `ORDER BY occurred_us DESC, id DESC LIMIT ${chunk}`,
      );
      for (const row of rows) {
        if (predicates.every((predicate) => predicate(row))) matches.push(liveRowOfArchiveRow(row));
        if (matches.length >= limit) return matches;
      }
      if (rows.length < chunk) return matches;
      const last = rows.at(-1)!;
      position = { occurredUs: String(last.occurred_us), id: last.id };
      chunk = Math.min(chunk * 4, MAX_CHUNK);
    }
  };
}

/** The tenant's archive files removed from the live table so far (a file is removed once, and stays counted). */
export function archiveGeneration(knex: Knex): ArchiveGeneration {
  return async (tenantId: string) => {
    const row = await knex('archive_files')
      .count<{ count: string }>({ count: '*' })
      .where('tenant_id', tenantId)
      .whereNotNull('removed_from_live_at')
      .first();
    return String(row?.count ?? 0);
  };
}
