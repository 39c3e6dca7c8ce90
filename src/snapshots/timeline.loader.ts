import type { Knex } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { loaderKey } from '../core/context';
import { SEALED_VALUES, type SealedValues } from '../core/sealed-values';
import type { AuditActor } from '../events/audit-event.type';
import { toDate } from '../db/timestamps';
import type { AuditAction } from '../events/enums';
import { actorOf, type ActorColumns } from '../events/event-row';
import type { FieldDiff } from '../events/field-diff';

/** A record's events up to an instant (inclusive). */
export interface TimelineKey {
  entityType: string;
  id: string;
  upTo: Date;
}

/** What folding a record's history needs of each event. */
export interface TimelineEvent {
  id: string;
  occurredAt: Date;
  action: AuditAction;
  actor: AuditActor;
  changes: FieldDiff[];
}

interface TimelineRow extends ActorColumns {
  ord: string;
  id: string;
  occurred_at: string;
  action: AuditAction;
  changes: FieldDiff[];
}

const keyOf = (key: TimelineKey) => `${key.entityType}\u0000${key.id}\u0000${key.upTo.toISOString()}`;

/**
 * Batches the timelines asked for in one request (snapshots and diffs of many records) into one SQL
 * statement. Events come oldest first, in commit order among equal instants. One per request.
 */
export function createTimelineLoader(
  knex: Knex,
  sealed: SealedValues,
  tenantId: string,
): DataLoader<TimelineKey, TimelineEvent[], string> {
  return new DataLoader(
    async (keys) => {
      const { rows } = await knex.raw(
        `SELECT k.ord, e.id, e.occurred_at, e.action, e.actor_id, e.actor_email, e.actor_role, e.actor_type,
                e.impersonator_id, e.changes
         FROM unnest(?::text[], ?::text[], ?::timestamptz[]) WITH ORDINALITY AS k(entity_type, id, up_to, ord)
         JOIN audit_events e ON e.tenant_id = ? AND e.entity_type = k.entity_type AND e.entity_id = k.id
           AND e.occurred_at <= k.up_to
         ORDER BY k.ord, e.occurred_at, e.sequence`,
        [keys.map((key) => key.entityType), keys.map((key) => key.id), keys.map((key) => key.upTo), tenantId],
      );
      await sealed.open(knex, rows as TimelineRow[]);
      const timelines = keys.map((): TimelineEvent[] => []);
      for (const row of rows as TimelineRow[]) timelines[Number(row.ord) - 1].push(toTimelineEvent(row));
      return timelines;
    },
    { cacheKeyFn: keyOf, maxBatchSize: 1000 },
  );
}

function toTimelineEvent(row: TimelineRow): TimelineEvent {
  return {
    id: row.id,
    occurredAt: toDate(row.occurred_at),
    action: row.action,
    actor: actorOf(row),
    changes: row.changes,
  };
}

/** The request's timeline loader. */
export const TIMELINE_LOADER = loaderKey('timelines', (services, principal) =>
  createTimelineLoader(services.reads, services.get(SEALED_VALUES), principal.tenantId),
);
