import type { ExportRow } from './export-jobs';
import { ExportFormat } from './export.types';

const EXTENSIONS: Record<ExportFormat, string> = {
  [ExportFormat.CSV]: 'csv',
  [ExportFormat.JSON]: 'json',
  [ExportFormat.NDJSON]: 'ndjson',
  [ExportFormat.PDF]: 'pdf',
};

const CONTENT_TYPES: Record<ExportFormat, string> = {
  [ExportFormat.CSV]: 'text/csv; charset=utf-8; header=present',
  [ExportFormat.JSON]: 'application/json',
  [ExportFormat.NDJSON]: 'application/x-ndjson',
  [ExportFormat.PDF]: 'application/pdf',
};

type FileOf = Pick<ExportRow, 'tenant_id' | 'id' | 'format' | 'gzip'>;

/** Tenant ids may hold any character; object keys may not. */
function tenantFolder(tenantId: string): string {
  return `exports/t=${Buffer.from(tenantId).toString('base64url') || '_'}`;
}

/** The file's name as downloaded. */
export function exportFileName(row: FileOf): string {
  return `audit-export-${row.id}.${EXTENSIONS[row.format]}${row.gzip ? '.gz' : ''}`;
}

export function exportObjectKey(row: FileOf): string {
  return `${tenantFolder(row.tenant_id)}/${exportFileName(row)}`;
}

export function manifestObjectKey(row: FileOf): string {
  return `${tenantFolder(row.tenant_id)}/audit-export-${row.id}.manifest.json`;
}

export function exportContentType(row: FileOf): string {
  return row.gzip ? 'application/gzip' : CONTENT_TYPES[row.format];
}
