import type { Knex } from '@mikro-orm/postgresql';
import type { SealedValues } from '../../core/sealed-values';
import { toDate } from '../../db/timestamps';
import type { EventCriteria } from '../../reading/apply-criteria';
import { SUMMARY_WITHHELD } from '../../alerts/storage/alert.type';
import { queryStats } from '../../stats/stats-query';
import { AuditStatsDimension, StatsInterval } from '../../stats/stats.types';
import { selectExportRows, type ExportQuery } from '../export-query';
import { openNestedRows, type NestedExportRow } from '../sealed-rows';
import type { ReportData } from './report-data';

const GROUPS_SHOWN = 25;

const SUMMARIES: Array<{
  title: string;
  dimension: AuditStatsDimension | null;
  label: (group: Record<string, unknown>) => string;
}> = [
  { title: 'By action', dimension: AuditStatsDimension.ACTION, label: (group) => String(group.action) },
  { title: 'By category', dimension: AuditStatsDimension.CATEGORY, label: (group) => String(group.category) },
  { title: 'By actor', dimension: AuditStatsDimension.ACTOR, label: (group) => String(group.actorId) },
  {
    title: 'By day (UTC)',
    dimension: null,
    label: (group) => (group.bucket as Date).toISOString().slice(0, 10),
  },
];

/** "filter.actions: UPDATE, DELETE", "search: ...": what a reader needs to know was asked. */
export function describeCriteria(criteria: EventCriteria): string[] {
  const lines: string[] = [];
  const describe = (prefix: string, filter: object | undefined) => {
    for (const [key, value] of Object.entries(filter ?? {}))
      if (value !== null && value !== undefined)
        lines.push(
          `${prefix}.${key}: ${Array.isArray(value) ? value.join(', ') : value instanceof Date ? value.toISOString() : String(value)}`,
        );
  };
  describe('filter', criteria.filter);
  if (criteria.search) lines.push(`search: ${criteria.search}`);
  if (criteria.saved) {
    describe('saved filter', criteria.saved.filter);
    if (criteria.saved.search) lines.push(`saved filter search: ${criteria.saved.search}`);
  }
  return lines;
}

function changeSummary(changes: Array<{ field: string; oldValue?: unknown; newValue?: unknown }>): string {
  const text = changes
    .map(
      (change) =>
        `${change.field}: ${JSON.stringify(change.oldValue ?? null)} → ${JSON.stringify(change.newValue ?? null)}`,
    )
    .join('; ');
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

/**
 * The report's figures: `auditStats`' counts for the same criteria, the alerts raised over the
 * period the events span, and the newest `eventCap` events; masked like the export's rows.
 */
export async function buildReportData(
  knex: Knex,
  sealed: SealedValues,
  query: ExportQuery,
  exportId: string,
  eventCap: number,
  fontPath: string | null,
): Promise<ReportData> {
  const summaries: ReportData['summaries'] = [];
  let total = 0;
  for (const summary of SUMMARIES) {
    const stats = await queryStats(knex, sealed, query.tenantId, {
      ...query.criteria,
      groupBy: summary.dimension ? [summary.dimension] : [],
      interval: summary.dimension ? null : StatsInterval.DAY,
      timeZone: 'UTC',
      limit: summary.dimension ? GROUPS_SHOWN : 10_000,
    });
    total = stats.total;
    summaries.push({
      title: summary.title,
      rows: stats.groups.map((group) => ({
        label: summary.label(group as unknown as Record<string, unknown>),
        count: group.count,
      })),
      truncated: stats.truncated,
    });
  }
  const days = summaries.at(-1)!.rows;
  const alerts =
    days.length === 0
      ? []
      : ((await knex('alerts')
          .select(
            'raised_at',
            'severity',
            'status',
            query.redaction
              ? knex.raw('coalesce(masked_summary, ?) AS summary', [SUMMARY_WITHHELD])
              : knex.ref('summary'),
          )
          .where('tenant_id', query.tenantId)
          .andWhere('window_end', '>=', `${days[0].label}T00:00:00Z`)
          .andWhere(
            'window_start',
            '<',
            knex.raw(`?::timestamptz + interval '1 day'`, [`${days.at(-1)!.label}T00:00:00Z`]),
          )
          .orderBy('raised_at', 'desc')
          .limit(200)) as Array<{ raised_at: string; severity: string; status: string; summary: string }>);
  const events = (await selectExportRows(knex, sealed, query, true).limit(eventCap)) as Array<
    NestedExportRow & {
      occurredAt: string;
      action: string;
      actor: { id: string; role: string | null };
      entityType: string | null;
      entityId: string | null;
    }
  >;
  await openNestedRows(knex, sealed, events);
  return {
    tenantId: query.tenantId,
    exportId,
    generatedAt: new Date().toISOString(),
    criteria: describeCriteria(query.criteria),
    total,
    summaries,
    alerts: alerts.map((alert) => ({
      raisedAt: toDate(alert.raised_at).toISOString(),
      severity: alert.severity,
      status: alert.status,
      summary: alert.summary,
    })),
    eventCap,
    events: events.map((event) => ({
      occurredAt: event.occurredAt,
      action: event.action,
      actor: [
        event.actor.email ?? event.actor.id,
        event.actor.role ? `(${event.actor.role})` : '',
        event.ipAddress ? `from ${event.ipAddress}` : '',
      ]
        .filter(Boolean)
        .join(' '),
      entity: [event.entityType, event.entityId].filter(Boolean).join(' ') || '-',
      detail: changeSummary(event.changes),
    })),
    fontPath,
  };
}
