import type { Knex } from '@mikro-orm/postgresql';
import { categoryOfAction, type AuditAction } from '../../src/events/enums';
import { searchTokensOf } from '../../src/search/search-tokens';

/** A row of `audit_events` for tests; `name` stands for its id in assertions. */
export interface EventRow {
  name: string;
  occurredAt: string;
  actorId: string;
  actorEmail?: string;
  actorRole?: string;
  action: AuditAction;
  entityType?: string;
  entityId?: string;
  changes?: { field: string; oldValue?: unknown; newValue?: unknown }[];
  source?: string;
  ipAddress?: string;
  userAgent?: string;
  sessionId?: string;
  metadata?: Record<string, unknown>;
}

const idOf = (index: number): string => `00000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`;

/** Inserts `rows` for tenant `t1`; returns a function that names the rows a query selected (`e.id`). */
export async function insertEvents(
  knex: Knex,
  rows: EventRow[],
): Promise<(qb: Knex.QueryBuilder) => Promise<string[]>> {
  for (const [index, row] of rows.entries()) {
    await knex.raw('SELECT audit_ensure_partition(?::timestamptz)', [row.occurredAt]);
    const changes = row.changes ?? [];
    await knex('audit_events').insert({
      tenant_id: 't1',
      sequence: index + 1,
      id: idOf(index),
      occurred_at: row.occurredAt,
      recorded_at: row.occurredAt,
      actor_id: row.actorId,
      actor_email: row.actorEmail ?? null,
      actor_role: row.actorRole ?? null,
      actor_type: 'USER',
      action: row.action,
      category: categoryOfAction(row.action),
      entity_type: row.entityType ?? null,
      entity_id: row.entityId ?? null,
      changes: JSON.stringify(changes),
      changed_fields: changes.map((change) => change.field),
      source: row.source ?? 'API',
      ip_address: row.ipAddress ?? null,
      user_agent: row.userAgent ?? null,
      session_id: row.sessionId ?? null,
      metadata: row.metadata ? JSON.stringify(row.metadata) : null,
      hash: Buffer.from([0]),
      search_tokens: searchTokensOf({
        actorId: row.actorId,
        actorEmail: row.actorEmail ?? null,
        actorRole: row.actorRole ?? null,
        action: row.action,
        category: categoryOfAction(row.action),
        source: row.source ?? 'API',
        entityType: row.entityType ?? null,
        entityId: row.entityId ?? null,
        sessionId: row.sessionId ?? null,
        changes,
      }),
    });
  }
  const nameById = new Map(rows.map((row, index) => [idOf(index), row.name]));
  return async (qb) => {
    const selected: { id: string }[] = await qb;
    return selected.map(({ id }) => nameById.get(id) ?? id).sort();
  };
}
