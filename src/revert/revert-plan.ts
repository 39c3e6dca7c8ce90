import type { Knex } from '@mikro-orm/postgresql';
import { toDate } from '../db/timestamps';
import { BadUserInputError } from '../errors';
import type { AuditEvent } from '../events/audit-event.type';
import type { LaterChange } from './revert-errors';

/** One field to set back: `value` is what the event replaced, `current` what the log says it holds now. */
export interface RevertField {
  field: string;
  value: unknown;
  current: unknown;
}

export interface RevertPlan {
  fields: RevertField[];
  /** Changes to those fields recorded after the event, oldest first. */
  later: LaterChange[];
}

/**
 * Works out what reverting `fields` of `event` (all its changed fields when none are named) means.
 * @throws BadUserInputError naming `eventId` or `fields`.
 */
export async function planRevert(knex: Knex, event: AuditEvent, fields: string[] | null): Promise<RevertPlan> {
  if (!event.entityType || !event.entityId) throw new BadUserInputError('eventId', 'the event concerns no record');
  if (event.changes.length === 0) throw new BadUserInputError('eventId', 'the event changed no field');
  const byField = new Map(event.changes.map((change) => [change.field, change]));
  const asked = fields && fields.length > 0 ? [...new Set(fields)] : [...byField.keys()];
  const unknown = asked.filter((field) => !byField.has(field));
  if (unknown.length > 0) throw new BadUserInputError('fields', `the event did not change ${unknown.join(', ')}`);

  const { rows } = await knex.raw(
    `SELECT e.id, e.occurred_at, e.actor_id, c->>'field' AS field, c->'newValue' AS new_value
     FROM audit_events e CROSS JOIN LATERAL jsonb_array_elements(e.changes) AS c
     WHERE e.tenant_id = ? AND e.entity_type = ? AND e.entity_id = ? AND e.changed_fields && ?::text[]
       AND e.occurred_at >= ?::timestamptz AND (e.occurred_at, e.sequence) > (?::timestamptz, ?::bigint)
       AND c->>'field' = ANY(?::text[])
     ORDER BY e.occurred_at, e.sequence`,
    [
      event.tenantId,
      event.entityType,
      event.entityId,
      asked,
      event.occurredAt,
      event.occurredAt,
      event.sequence,
      asked,
    ],
  );
  const typed = rows as Array<{ id: string; occurred_at: string; actor_id: string; field: string; new_value: unknown }>;
  const current = new Map(asked.map((field) => [field, byField.get(field)!.newValue ?? null]));
  const later: LaterChange[] = [];
  for (const row of typed) {
    current.set(row.field, row.new_value ?? null);
    later.push({ field: row.field, eventId: row.id, occurredAt: toDate(row.occurred_at), actorId: row.actor_id });
  }
  return {
    fields: asked.map((field) => ({ field, value: byField.get(field)!.oldValue ?? null, current: current.get(field) })),
    later,
  };
}
