import type { Knex } from '@mikro-orm/postgresql';
import type { SealedValues } from '../core/sealed-values';
import type { AuditEvent } from '../events/audit-event.type';
import { eventColumns, toAuditEvent, type AuditEventRow } from '../events/event-row';
import type { AuditEventConnection } from './connection.type';
import { applyCriteria, type EventCriteria } from './apply-criteria';
import { newestFirst, type ArchiveSearch } from './archive-search';
import { checkPageArgs, keysetPage, toConnection, type PageArgs } from './page';
import { readWindowedPage } from './windowed-page';

export interface ListEventsArgs extends PageArgs, EventCriteria {
  /** Set: the archive is searched too, and its events merged in the same order. */
  archive?: ArchiveSearch;
}

/** One tenant's events, newest first, narrowed by a filter and a search text. */
export async function listEvents(
  knex: Knex,
  sealed: SealedValues,
  tenantId: string,
  args: ListEventsArgs,
): Promise<AuditEventConnection> {
  const { first, cursor } = checkPageArgs(args);
  const query = () =>
    applyCriteria(knex.select(eventColumns(knex)).from('audit_events as e').where('e.tenant_id', tenantId), args, {
      indexed: true,
      blindIndex: sealed,
    });
  const narrowed = Boolean(args.search || args.saved || (args.filter && Object.keys(args.filter).length > 0));
  // The whole log newest first needs no estimate: every event is a match.
  const rows = narrowed
    ? await readWindowedPage(knex, tenantId, query, first, cursor)
    : ((await keysetPage(query(), 'e', first, cursor)) as AuditEventRow[]);
  if (!args.archive) return toConnection(await sealed.open(knex, rows), first);
  const archived = await args.archive(tenantId, args, first + 1, cursor);
  const merged = [...rows, ...archived].sort(newestFirst).slice(0, first + 1);
  return toConnection(await sealed.open(knex, merged), first);
}

/** The event with this id, if it belongs to the tenant; `id` is a UUID (see `parseUuidArgument`). */
export async function findEvent(
  knex: Knex,
  sealed: SealedValues,
  tenantId: string,
  id: string,
): Promise<AuditEvent | null> {
  // The key table gives occurred_at, which lets PostgreSQL open only the event's partition.
  const row: AuditEventRow | undefined = await knex
    .first(eventColumns(knex))
    .from('audit_events as e')
    .where({ 'e.tenant_id': tenantId, 'e.id': id.toLowerCase() })
    .whereRaw(
      'e.occurred_at = (SELECT k.occurred_at FROM audit_event_keys k WHERE k.tenant_id = ? AND k.id = ?::uuid)',
      [tenantId, id.toLowerCase()],
    );
  return row ? toAuditEvent((await sealed.open(knex, [row]))[0]) : null;
}
