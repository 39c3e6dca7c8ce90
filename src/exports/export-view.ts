import { toDate } from '../db/timestamps';
import type { ExportRow } from './export-jobs';
import { ExportStatus, type AuditExport } from './export.types';

/**
 * The export as the API shows it; the link only while its file can be downloaded, and only to a
 * viewer who may read what it holds (a whole export's file is not for a viewer shown masked events).
 */
export function toAuditExport(
  row: ExportRow,
  link: (row: ExportRow) => string | null,
  viewerSeesPersonalData: boolean,
): AuditExport {
  const downloadable = row.status === ExportStatus.SUCCEEDED && (viewerSeesPersonalData || row.redaction !== null);
  return {
    id: row.id,
    format: row.format,
    status: row.status,
    gzip: row.gzip,
    rowsWritten: Number(row.rows_written),
    rowsTotal: row.rows_total === null ? null : Number(row.rows_total),
    bytes: row.bytes === null ? null : Number(row.bytes),
    sha256: row.sha256,
    downloadUrl: downloadable ? link(row) : null,
    personalDataMasked: row.redaction !== null,
    createdAt: toDate(row.created_at),
    createdBy: row.created_by,
    finishedAt: row.finished_at === null ? null : toDate(row.finished_at),
    expiresAt: row.expires_at === null ? null : toDate(row.expires_at),
    error: row.error,
  };
}
