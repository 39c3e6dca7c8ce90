/** What a PDF report shows, as plain data: built on the event loop's side, laid out in a worker thread. */
export interface ReportData {
  tenantId: string;
  exportId: string;
  generatedAt: string;
  /** The criteria, one line each ("filter.actions: UPDATE, DELETE", "search: ..."). */
  criteria: string[];
  total: number;
  summaries: Array<{ title: string; rows: Array<{ label: string; count: number }>; truncated: boolean }>;
  alerts: Array<{ raisedAt: string; severity: string; status: string; summary: string }>;
  eventCap: number;
  events: Array<{ occurredAt: string; action: string; actor: string; entity: string; detail: string }>;
  /** Set when a font with wide Unicode coverage is used instead of the built-in Helvetica. */
  fontPath: string | null;
}
