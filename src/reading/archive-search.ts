import { serviceKey } from '../core/context';
import type { AuditEventRow } from '../events/event-row';
import type { EventCriteria } from './apply-criteria';
import type { Cursor } from './cursor';

/**
 * Searches a tenant's archived events with the criteria of `auditEvents`: up to `limit` rows
 * after `cursor`, newest first (occurredAt, then id, descending), in the live table's row shape.
 * Provided by the retention module.
 */
export type ArchiveSearch = (
  tenantId: string,
  criteria: EventCriteria,
  limit: number,
  cursor: Cursor | null,
) => Promise<AuditEventRow[]>;

export const ARCHIVE_SEARCH = serviceKey<ArchiveSearch>('retention.archive-search');

/**
 * A count that grows each time events of the tenant leave the live table for the archive: a reader
 * of the archive, then of the live table, compares it before and after to know that no event moved
 * between its two reads (and so was missed by both). Provided by the retention module.
 */
export type ArchiveGeneration = (tenantId: string) => Promise<string>;

export const ARCHIVE_GENERATION = serviceKey<ArchiveGeneration>('retention.archive-generation');

/** Newest first: occurred_us, then id, descending (ids are lowercase UUIDs: text order is their order). */
export function newestFirst(a: AuditEventRow, b: AuditEventRow): number {
  const at = BigInt(b.occurred_us) - BigInt(a.occurred_us);
  if (at !== 0n) return at > 0n ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
