import { serviceKey } from '../core/context';
import type { ExportRow } from './export-jobs';
import type { ExportProgressHub } from './export-progress';

/** What the resolvers and routes of exports use, provided when the module starts. */
export interface ExportsRuntime {
  hub: ExportProgressHub;
  /** A new absolute download link, or null when no base URL is known (EXPORT_PUBLIC_URL unset, no request). */
  downloadLink(row: Pick<ExportRow, 'tenant_id' | 'id'>, origin: string | undefined): string | null;
  /** Verifies a link's query. @throws FORBIDDEN (altered) or LINK_EXPIRED (late). */
  verifyLink(exportId: string, query: Record<string, unknown>): { tenantId: string; exportId: string };
  /** This replica's worker looks for work now. */
  wakeWorker(): void;
}

export const EXPORTS = serviceKey<ExportsRuntime>('exports');
