import type { ClientBase } from 'pg';
import { isSealed } from '../core/sealed-values';
import { copyJson, copyRows, copyText } from '../db/copy-rows';
import type { AuditEventRow } from '../events/event-row';
import type { ArchiveSearch } from '../reading/archive-search';
import type { Cursor } from '../reading/cursor';
import type { ExportQuery } from './export-query';

/** Archived events are read this many at a time: the export's memory does not grow with the archive. */
const PAGE = 2000;

/** The export connection's own table of the archived events it exports (gone when the connection ends). */
export const ARCHIVED_TABLE = 'pg_temp.export_archived_events';

/** The columns of `audit_events` an export prints. */
export const EXPORTED_COLUMNS = [
  'id',
  'tenant_id',
  'sequence',
  'occurred_at',
  'recorded_at',
  'actor_id',
  'actor_email',
  'actor_role',
  'actor_type',
  'impersonator_id',
  'action',
  'category',
  'entity_type',
  'entity_id',
  'changes',
  'source',
  'ip_address',
  'ip_sealed',
  'user_agent',
  'session_id',
  'location',
  'metadata',
] as const;

/** An instant in microseconds since the epoch as ISO-8601 text with all six digits (the live order needs them). */
function isoMicroseconds(occurredUs: string): string {
  const us = BigInt(occurredUs);
  const ms = us / 1000n - (us % 1000n < 0n ? 1n : 0n);
  const rest = us - ms * 1000n;
  return new Date(Number(ms)).toISOString().replace('Z', `${String(rest).padStart(3, '0')}Z`);
}

const json = (value: unknown) => copyJson(value === null || value === undefined ? null : JSON.stringify(value));

/** One archived event as a line of COPY's text format, in EXPORTED_COLUMNS order. */
function copyLine(row: AuditEventRow): string {
  return (
    [
      copyText(row.id),
      copyText(row.tenant_id),
      copyText(row.sequence),
      copyText(isoMicroseconds(row.occurred_us)),
      copyText(row.recorded_at),
      copyText(row.actor_id),
      copyText(row.actor_email),
      copyText(row.actor_role),
      copyText(row.actor_type),
      copyText(row.impersonator_id),
      copyText(row.action),
      copyText(row.category),
      copyText(row.entity_type),
      copyText(row.entity_id),
      json(row.changes),
      copyText(row.source),
      // A sealed address is text, not an inet: it goes where the live table keeps it.
      copyText(isSealed(row.ip_address) ? null : row.ip_address),
      copyText(isSealed(row.ip_address) ? row.ip_address : null),
      copyText(row.user_agent),
      copyText(row.session_id),
      json(row.location),
      json(row.metadata),
    ].join('\t') + '\n'
  );
}

/**
 * Copies the archived events the export covers (the same criteria, bounded by the same chain head)
 * into ARCHIVED_TABLE on the export's connection, a page at a time: PostgreSQL then merges them
 * with the live events in one ordered COPY, printed by the same SQL as the live ones.
 */
export async function stageArchivedRows(client: ClientBase, archive: ArchiveSearch, query: ExportQuery): Promise<void> {
  const columns = EXPORTED_COLUMNS.join(', ');
  await client.query(`DROP TABLE IF EXISTS ${ARCHIVED_TABLE}`);
  await client.query(`CREATE TEMP TABLE export_archived_events AS SELECT ${columns} FROM audit_events WITH NO DATA`);
  const head = BigInt(query.headSequence);
  let cursor: Cursor | null = null;
  for (;;) {
    const page = await archive(query.tenantId, query.criteria, PAGE, cursor);
    const lines = page.filter((row) => BigInt(row.sequence) <= head).map(copyLine);
    if (lines.length > 0) await copyRows(client, ARCHIVED_TABLE, EXPORTED_COLUMNS, lines);
    if (page.length < PAGE) return;
    const last = page.at(-1)!;
    cursor = { occurredUs: last.occurred_us, id: last.id };
  }
}
