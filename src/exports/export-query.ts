import type { Knex } from '@mikro-orm/postgresql';
import type { BlindIndex } from '../core/sealed-values';
import { escapeLiteral } from 'pg';
import { textArrayLiteral } from '../db/copy-rows';
import { REDACTED, storedRedaction, type Redaction } from '../events/redaction';
import { applyCriteria, type EventCriteria } from '../reading/apply-criteria';
import { ARCHIVED_TABLE, EXPORTED_COLUMNS } from './archived-rows';
import { ExportFormat } from './export.types';

const ISO_INSTANT = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', ${ISO_INSTANT})`;

/** The columns that hold personal data, as exported to a reader who may see them. */
const WHOLE = {
  actorEmail: 'e.actor_email',
  ipAddress: 'coalesce(e.ip_sealed, host(e.ip_address))',
  userAgent: 'e.user_agent',
  location: 'e.location',
  changes: 'e.changes',
  redactedFields: `'[]'::jsonb`,
};

/** True for a change `c` of a field the masking's marks (`masking.marks`: entity type → fields) call personal. */
const PERSONAL_CHANGE = `EXISTS (SELECT 1 FROM jsonb_array_elements_text(masking.marks -> e.entity_type) p
  WHERE c->>'field' = p OR starts_with(c->>'field', p || '.'))`;

/** The changes of the event one by one, in their order, as `c` numbered `n`. */
const EACH_CHANGE = `jsonb_array_elements(e.changes) WITH ORDINALITY AS x(c, n)`;

/**
 * The same columns as a reader without READ_PERSONAL_DATA sees them (redactEvent, in SQL): personal
 * values null and named in `redactedFields`, in redactEvent's order. Only events of an entity type
 * with marks have their changes taken apart.
 */
const MASKED = {
  actorEmail: 'NULL::text',
  ipAddress: 'NULL::text',
  userAgent: 'NULL::text',
  location: 'NULL::jsonb',
  changes: `CASE WHEN masking.marks -> e.entity_type IS NULL THEN e.changes ELSE (
    SELECT coalesce(jsonb_agg(CASE WHEN ${PERSONAL_CHANGE}
      THEN jsonb_build_object('field', c->'field', 'oldValue', NULL, 'newValue', NULL) ELSE c END ORDER BY n), '[]')
    FROM ${EACH_CHANGE}) END`,
  redactedFields: `to_jsonb(array_remove(ARRAY[
      CASE WHEN e.actor_email IS NOT NULL THEN '${REDACTED.actorEmail}' END,
      CASE WHEN e.ip_address IS NOT NULL OR e.ip_sealed IS NOT NULL THEN '${REDACTED.ipAddress}' END,
      CASE WHEN e.user_agent IS NOT NULL THEN '${REDACTED.userAgent}' END,
      CASE WHEN jsonb_typeof(e.location) IS DISTINCT FROM 'null' AND e.location IS NOT NULL THEN '${REDACTED.location}' END
    ], NULL)) || CASE WHEN masking.marks -> e.entity_type IS NULL THEN '[]'::jsonb ELSE (
      SELECT coalesce(jsonb_agg('${REDACTED.changes('')}' || (c->>'field') ORDER BY n), '[]')
      FROM ${EACH_CHANGE} WHERE ${PERSONAL_CHANGE}) END`,
};

/**
 * The field names of `AuditEvent`, in its order: CSV headers flatten `actor` as `actor.id`, ...;
 * JSON nests it. Instants print as the DateTime scalar does (milliseconds, cut, UTC).
 */
function eventSelect(includeMetadata: boolean, nested: boolean, masked: boolean): string {
  const column = masked ? MASKED : WHOLE;
  const actor = nested
    ? [
        `json_build_object('id', e.actor_id, 'email', ${column.actorEmail}, 'role', e.actor_role, ` +
          `'type', e.actor_type, 'impersonatorId', e.impersonator_id) AS "actor"`,
      ]
    : [
        'e.actor_id AS "actor.id"',
        `${column.actorEmail} AS "actor.email"`,
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
    `${column.changes} AS "changes"`,
    'e.source',
    `${column.ipAddress} AS "ipAddress"`,
    ...(includeMetadata ? [`${column.userAgent} AS "userAgent"`] : []),
    'e.session_id AS "sessionId"',
    `${column.location} AS "location"`,
    ...(includeMetadata ? ['e.metadata'] : []),
    `${column.redactedFields} AS "redactedFields"`,
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
  /** What the requester could not see when it asked (null: everything): masked in every format. */
  redaction: Redaction | null;
}

const NEWEST_FIRST = [
  { column: 'e.occurred_at', order: 'desc' },
  { column: 'e.id', order: 'desc' },
] as const;

/** The matching live events, `columns` of them, bounded by the chain head, with `auditEvents`' own criteria (applyCriteria). */
function liveRows(knex: Knex, blindIndex: BlindIndex, query: ExportQuery, columns: Knex.Raw): Knex.QueryBuilder {
  const qb = knex
    .select(columns)
    .from('audit_events as e')
    .where('e.tenant_id', query.tenantId)
    .andWhere('e.sequence', '<=', query.headSequence);
  return applyCriteria(qb, query.criteria, { blindIndex });
}

/** The exported fields of the rows `e` of `from`, masked as the query's redaction says, newest first. */
function exportedFields(knex: Knex, query: ExportQuery, nested: boolean, from: Knex.QueryBuilder): Knex.QueryBuilder {
  const marks = storedRedaction(query.redaction);
  if (marks) from.crossJoin(knex.raw('(SELECT ?::jsonb AS marks) AS masking', [JSON.stringify(marks)]));
  return from.orderBy([...NEWEST_FIRST]);
}

/** The matching live events, newest first like `auditEvents`. */
export function selectExportRows(
  knex: Knex,
  blindIndex: BlindIndex,
  query: ExportQuery,
  nested: boolean,
): Knex.QueryBuilder {
  const fields = knex.raw(eventSelect(query.includeMetadata, nested, query.redaction !== null));
  return exportedFields(knex, query, nested, liveRows(knex, blindIndex, query, fields));
}

/**
 * The matching live and staged archived events, merged newest first as `auditEvents(includeArchived: true)`
 * merges them, printed by the same SQL.
 */
function selectWithArchived(
  knex: Knex,
  blindIndex: BlindIndex,
  query: ExportQuery,
  nested: boolean,
): Knex.QueryBuilder {
  const columns = EXPORTED_COLUMNS.join(', ');
  const live = liveRows(knex, blindIndex, query, knex.raw(EXPORTED_COLUMNS.map((column) => `e.${column}`).join(', ')));
  const merged = knex
    .select(knex.raw(eventSelect(query.includeMetadata, nested, query.redaction !== null)))
    .from(knex.raw(`(? UNION ALL SELECT ${columns} FROM ${ARCHIVED_TABLE}) AS e`, [live]));
  return exportedFields(knex, query, nested, merged);
}

/**
 * PostgreSQL writes the file's rows itself (COPY): CSV with a header row, quoted where RFC 4180
 * needs it; JSON rows as CSV with a quote and delimiter that escaped JSON text cannot hold, so each
 * row is its JSON text and a newline.
 * @throws BadUserInputError from the criteria, naming the argument.
 */
export function exportCopySql(knex: Knex, blindIndex: BlindIndex, query: ExportQuery, format: ExportFormat): string {
  const rows = query.includeArchived ? selectWithArchived : selectExportRows;
  if (format === ExportFormat.CSV) {
    const select = inline(rows(knex, blindIndex, query, false).toSQL().toNative());
    return `COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER true)`;
  }
  const select = inline(rows(knex, blindIndex, query, true).toSQL().toNative());
  return `COPY (SELECT row_to_json(r) FROM (${select}) r) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`;
}

/** PostgreSQL's estimate of the live rows the export writes (the planner's, not a count). */
export async function estimateRows(knex: Knex, blindIndex: BlindIndex, query: ExportQuery): Promise<number> {
  const select = inline(selectExportRows(knex, blindIndex, query, false).toSQL().toNative());
  const { rows } = await knex.raw(`EXPLAIN (FORMAT JSON) ${select}`);
  const plan = (rows as Array<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>)[0]['QUERY PLAN'][0];
  return Math.round(plan.Plan['Plan Rows']);
}
