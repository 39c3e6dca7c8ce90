import type { Knex } from '@mikro-orm/postgresql';
import type { BlindIndex, SealedValues } from '../core/sealed-values';
import { eventColumns, type AuditEventRow } from '../events/event-row';
import { applyCriteria, type EventCriteria } from '../reading/apply-criteria';

export interface NewEventsQuery {
  tenantId: string;
  criteria: EventCriteria;
  /** Only events after this sequence. */
  after: bigint;
  /** Only events up to this sequence, when given. */
  upTo?: bigint;
  limit: number;
}

/**
 * A tenant's matching events after a sequence, in sequence order, with the `auditEvents` criteria
 * SQL. A tenant's sequences rise in commit order, so nothing can appear later below the last
 * sequence read: a feed's cursor never skips an event.
 * @throws BadUserInputError for a malformed filter.
 */
export function newEventsQuery(knex: Knex, blindIndex: BlindIndex, query: NewEventsQuery): Knex.QueryBuilder {
  const qb = knex
    .select(eventColumns(knex))
    .from('audit_events as e')
    .where('e.tenant_id', query.tenantId)
    .where('e.sequence', '>', query.after.toString());
  if (query.upTo !== undefined) qb.where('e.sequence', '<=', query.upTo.toString());
  applyCriteria(qb, query.criteria, { blindIndex });
  return qb.orderBy('e.sequence', 'asc').limit(query.limit);
}

export async function readNewEvents(knex: Knex, sealed: SealedValues, query: NewEventsQuery): Promise<AuditEventRow[]> {
  return sealed.open(knex, (await newEventsQuery(knex, sealed, query)) as AuditEventRow[]);
}

/** The tenant's last committed sequence (0 before its first event). */
export async function tenantHead(knex: Knex, tenantId: string): Promise<bigint> {
  const row = await knex.first('last_sequence').from('audit_log_heads').where('tenant_id', tenantId);
  return row ? BigInt(row.last_sequence) : 0n;
}
