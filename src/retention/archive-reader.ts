import type { Knex } from '@mikro-orm/postgresql';
import { SEALED_PREFIX, type SealableRow, type SealedValues } from '../core/sealed-values';
import type { EventCriteria } from '../reading/apply-criteria';
import type { ArchiveGeneration, ArchiveSearch } from '../reading/archive-search';
import type { Cursor } from '../reading/cursor';
import type { SearchQuery } from '../search/ast';
import { parseSearch } from '../search/parse';
import type { ObjectStore } from '../storage/object-store';
import {
  filterPredicate,
  searchPredicate,
  subjectPredicate,
  type OpenedChanges,
  type RowPredicate,
} from './archive-match';
import { categoryLists, filterConditions, searchConditions } from './archive-pushdown';
import { liveRowOfArchiveRow, type ArchiveRow } from './archive-row';
import { localCopy, newestInstants, readParquetRows, sqlText } from './parquet';

const MAX_CANDIDATES = 200_000;

/** The tenant's archived files that can hold a match, newest first. */
async function candidateFiles(
  knex: Knex,
  tenantId: string,
  criteria: EventCriteria,
  queries: Array<SearchQuery | null>,
  cursor: Cursor | null,
): Promise<Array<{ key: string; sha256: string; occurred_to_us: string }>> {
  const files = knex('archive_files')
    .select('key', 'sha256', knex.raw(`(extract(epoch FROM occurred_to) * 1000000)::bigint AS occurred_to_us`))
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
  const categories = [
    ...categoryLists(criteria.filter, queries[0]),
    ...categoryLists(criteria.saved?.filter, queries[1]),
  ];
  for (const list of categories) files.whereIn('category', list);
  return files;
}

/**
 * The archive search `auditEvents(includeArchived: true)` uses: DuckDB over local copies of the
 * Parquet files. Each round first finds, from the criteria's columns alone, the instant of the
 * newest candidates (cheap: the wide columns are not read), then reads whole rows from that instant
 * on only (row groups older than it are skipped by their statistics: files are written newest first
 * in small row groups); the predicates decide each row. A round that leaves the page short looks
 * further back, with more candidates each time. A subject's criterion opens the sealed changes of
 * each round's rows (`sealed`): its values may be sealed under another subject's key.
 */
export function archiveSearch(knex: Knex, store: ObjectStore, sealed: SealedValues): ArchiveSearch {
  return async (tenantId: string, criteria: EventCriteria, limit: number, cursor: Cursor | null) => {
    const query = criteria.search ? parseSearch(criteria.search) : null;
    const savedQuery = criteria.saved?.search ? parseSearch(criteria.saved.search) : null;
    const found = await candidateFiles(knex, tenantId, criteria, [query, savedQuery], cursor);
    if (found.length === 0) return [];
    const files = await Promise.all(
      found.map(async (file) => ({
        path: await localCopy(store, file.key, file.sha256),
        occurredToUs: BigInt(file.occurred_to_us),
      })),
    );

    const now = new Date();
    const predicates: RowPredicate[] = [filterPredicate(criteria.filter, now)];
    if (query) predicates.push(searchPredicate(query));
    if (criteria.saved) predicates.push(filterPredicate(criteria.saved.filter, now));
    if (savedQuery) predicates.push(searchPredicate(savedQuery));
    // No condition pushed down: a value in `changes` is found only by reading them.
    const subject = criteria.subject ? subjectPredicate(criteria.subject) : null;
    const where = [
      `tenant_id = ${sqlText(tenantId)}`,
      ...filterConditions(criteria.filter, now),
      ...searchConditions(query),
      ...filterConditions(criteria.saved?.filter, now),
      ...searchConditions(savedQuery),
    ];

    const matches = [];
    let before = cursor
      ? `(occurred_us < ${cursor.occurredUs} OR (occurred_us = ${cursor.occurredUs} AND id < ${sqlText(cursor.id)}))`
      : 'true';
    let wanted = limit;
    for (;;) {
      const condition = [...where, before].join(' AND ');
      const { newest, reaching } = await newestAcross(files, condition, wanted);
      if (newest.count === 0) return matches;
      // Every candidate at or after that instant, ties included, so that the next round starts strictly before it.
      const rows = await readParquetRows(
        reaching,
        `${condition} AND occurred_us >= ${newest.oldestUs}`,
        'ORDER BY occurred_us DESC, id DESC',
      );
      const opened = subject ? await openedChanges(knex, sealed, rows) : NOTHING_OPENED;
      for (const row of rows) {
        if (predicates.every((predicate) => predicate(row)) && (!subject || subject(row, opened)))
          matches.push(liveRowOfArchiveRow(row));
        if (matches.length >= limit) return matches;
      }
      if (newest.count < wanted) return matches;
      before = `occurred_us < ${newest.oldestUs}`;
      wanted = Math.min(wanted * 4, MAX_CANDIDATES);
    }
  };
}

const NOTHING_OPENED: OpenedChanges = new Map();

/** The changes of the rows that hold a sealed value, opened (an erased subject's values read as null). */
async function openedChanges(knex: Knex, sealed: SealedValues, rows: ArchiveRow[]): Promise<OpenedChanges> {
  const holding = rows
    .filter((row) => row.changes.includes(SEALED_PREFIX))
    .map((row) => ({ id: row.id, changes: JSON.parse(row.changes) as NonNullable<SealableRow['changes']> }));
  if (holding.length === 0) return NOTHING_OPENED;
  await sealed.open(knex, holding);
  return new Map(holding.map((row) => [row.id, row.changes]));
}

/**
 * The `wanted` newest candidates over `files` (newest `occurredToUs` first), read from as few files as
 * can hold them: the newest files first, more (twice as many each time) while they leave fewer than
 * `wanted`, then every file that reaches as far forward as the oldest of them (ties included), since
 * only those can hold a newer one. `reaching`: the files read, which hold every candidate from that
 * instant on.
 */
async function newestAcross(
  files: Array<{ path: string; occurredToUs: bigint }>,
  condition: string,
  wanted: number,
): Promise<{ newest: { count: number; oldestUs: bigint | null }; reaching: string[] }> {
  let taken = Math.min(1, files.length);
  for (;;) {
    const reaching = files.slice(0, taken).map((file) => file.path);
    const newest = await newestInstants(reaching, condition, wanted);
    if (newest.count < wanted) {
      if (taken === files.length) return { newest, reaching };
      taken = Math.min(files.length, taken * 2);
      continue;
    }
    const further = files.slice(taken).filter((file) => file.occurredToUs >= newest.oldestUs!).length;
    if (further === 0) return { newest, reaching };
    taken += further;
  }
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
