import type { Knex } from '@mikro-orm/postgresql';
import { escapeLiteral } from 'pg';
import { textArrayLiteral } from '../db/copy-rows';
import { applyCriteria, type EventCriteria } from '../reading/apply-criteria';
import { ARCHIVED_TABLE, EXPORTED_COLUMNS } from './archived-rows';
import { ExportFormat } from './export.types';

const ISO_INSTANT = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', ${ISO_INSTANT})`;

/**
 * The field names of `AuditEvent`, in its order: CSV headers flatten `actor` as `actor.id`, ...;
 * JSON nests it. Instants print as the DateTime scalar does (milliseconds, cut, UTC).
 */
function eventSelect(includeMetadata: boolean, nested: boolean): string {
  const actor = nested
    ? [
        `json_build_object('id', e.actor_id, 'email', e.actor_email, 'role', e.actor_role, ` +
          `'type', e.actor_type, 'impersonatorId', e.impersonator_id) AS "actor"`,
      ]
    : [
        'e.actor_id AS "actor.id"',
        'e.actor_email AS "actor.email"',
        'e.actor_role AS "actor.role"',
        'e.actor_type AS "actor.type"',
        'e.impersonator_id AS "actor.impersonatorId"',
      ];
  return [
    'e.id',
    'e.tenant_id AS "tenantId"',
    'e.sequence::text AS "sequence"',
    `${iso('e.occurred_at')} AS "occurredAt"`,
    `${iso('e.recorded_at')} AS "recordedAt"`,
    ...actor,
    'e.action',
    'e.category',
    'e.entity_type AS "entityType"',
    'e.entity_id AS "entityId"',
    'e.changes',
    'e.source',
    'host(e.ip_address) AS "ipAddress"',
    ...(includeMetadata ? ['e.user_agent AS "userAgent"'] : []),
    'e.session_id AS "sessionId"',
    'e.location',
    ...(includeMetadata ? ['e.metadata'] : []),
  ].join(', ');
}

/** A binding as a SQL literal: COPY takes no parameters. Every binding is data, quoted and escaped by pg. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) return escapeLiteral(value.toISOString());
  if (Array.isArray(value)) return escapeLiteral(textArrayLiteral(value.map(String)));
  if (typeof value === 'number' || typeof value === 'bigint') return escapeLiteral(String(value));
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return escapeLiteral(String(value));
}

/** `$1`, `$2`, ... of knex's native SQL replaced by their values as literals. */
function inline({ sql, bindings }: Knex.SqlNative): string {
  return sql.replace(/\$(\d+)/g, (_match, index: string) => literal(bindings[Number(index) - 1]));
}

export interface ExportQuery {
  tenantId: string;
  criteria: EventCriteria;
  /** The tenant's last sequence when the export was asked: a run after a crash writes the same rows. */
  headSequence: string;
  includeMetadata: boolean;
  /** Also the archived events, staged in ARCHIVED_TABLE on the export's connection (`stageArchivedRows`). */
  includeArchived: boolean;
}

const NEWEST_FIRST = [
  { column: 'e.occurred_at', order: 'desc' },
  { column: 'e.id', order: 'desc' },
] as const;

/** The matching live events, `columns` of them, bounded by the chain head, with `auditEvents`' own criteria (applyCriteria). */
function liveRows(knex: Knex, query: ExportQuery, columns: Knex.Raw): Knex.QueryBuilder {
  const qb = knex
    .select(columns)
    .from('audit_events as e')
    .where('e.tenant_id', query.tenantId)
    .andWhere('e.sequence', '<=', query.headSequence);
  return applyCriteria(qb, query.criteria);
}

/** The matching live events, newest first like `auditEvents`. */
export function selectExportRows(knex: Knex, query: ExportQuery, nested: boolean): Knex.QueryBuilder {
  return liveRows(knex, query, knex.raw(eventSelect(query.includeMetadata, nested))).orderBy([...NEWEST_FIRST]);
}

/**
 * The matching live and staged archived events, merged newest first as `auditEvents(includeArchived: true)`
 * merges them, printed by the same SQL.
 */
function selectWithArchived(knex: Knex, query: ExportQuery, nested: boolean): Knex.QueryBuilder {
  const columns = EXPORTED_COLUMNS.join(', ');
  const live = liveRows(knex, query, knex.raw(EXPORTED_COLUMNS.map((column) => `e.${column}`).join(', ')));
  return knex
    .select(knex.raw(eventSelect(query.includeMetadata, nested)))
    .from(knex.raw(`(? UNION ALL SELECT ${columns} FROM ${ARCHIVED_TABLE}) AS e`, [live]))
    .orderBy([...NEWEST_FIRST]);
}

/**
 * PostgreSQL writes the file's rows itself (COPY): CSV with a header row, quoted where RFC 4180
 * needs it; JSON rows as CSV with a quote and delimiter that escaped JSON text cannot hold, so each
 * row is its JSON text and a newline.
 * @throws BadUserInputError from the criteria, naming the argument.
 */
export function exportCopySql(knex: Knex, query: ExportQuery, format: ExportFormat): string {
  const rows = query.includeArchived ? selectWithArchived : selectExportRows;
  if (format === ExportFormat.CSV) {
    const select = inline(rows(knex, query, false).toSQL().toNative());
    return `COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER true)`;
  }
  const select = inline(rows(knex, query, true).toSQL().toNative());
  return `COPY (SELECT row_to_json(r) FROM (${select}) r) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`;
}

/** PostgreSQL's estimate of the live rows the export writes (the planner's, not a count). */
export async function estimateRows(knex: Knex, query: ExportQuery): Promise<number> {
  const select = inline(selectExportRows(knex, query, false).toSQL().toNative());
  const { rows } = await knex.raw(`EXPLAIN (FORMAT JSON) ${select}`);
  const plan = (rows as Array<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>)[0]['QUERY PLAN'][0];
  return Math.round(plan.Plan['Plan Rows']);
}
