import type { Knex } from '@mikro-orm/postgresql';
import type { CommitAnnouncer, CommittedBatch } from '../core/commit-bus';
import type { SealedValues } from '../core/sealed-values';
import { connectionOf } from '../db/transaction-connection';
import { BadUserInputError } from '../errors';
import type { AuditEvent } from './audit-event.type';
import type { AuditAction } from './enums';
import { eventColumns, NOTHING_REDACTED, toAuditEvent, type AuditEventRow } from './event-row';
import { claimIds, insertEvents } from './insert-batch';
import { eventKey, type NewEvent } from './new-event';
import { commitSteps, lockTenantHeads, saveHeads, sequenceAndHash, type SequencedEvent } from './sequencing';

export interface RecordResult extends CommittedBatch {
  heads: Map<string, string>;
  actions: Map<string, Set<AuditAction>>;
  /** In input order; a duplicate is the event stored earlier. */
  events: AuditEvent[];
  recorded: number;
  duplicates: number;
  /** Producers' reads counted into coalesced events (see src/access-log), not stored one by one. */
  coalesced: number;
}

/**
 * Stores a batch whole or not at all. `prepare` makes the batch inside the transaction, before any
 * lock is taken: what it writes (new subjects' keys) commits with the events, in one commit. An id is unique within its tenant: ids already stored for
 * the event's tenant with the same content count as duplicates; an id reused with other content
 * fails the batch. The same id in another tenant is another event.
 * @throws BadUserInputError naming `events[i].id` on a conflicting id.
 */
export async function storeEvents(
  knex: Knex,
  sealed: SealedValues,
  prepare: (trx: Knex.Transaction) => Promise<NewEvent[]>,
  announcers: readonly CommitAnnouncer[],
): Promise<RecordResult> {
  return knex.transaction(async (trx) => {
    const batch = await prepare(trx);
    const firstIndexByKey = new Map<string, number>();
    batch.forEach((event, index) => {
      const first = firstIndexByKey.get(eventKey(event));
      if (first === undefined) firstIndexByKey.set(eventKey(event), index);
      else if (batch[first].fingerprint !== event.fingerprint)
        throw new BadUserInputError(`events[${index}].id`, `reuses the id of events[${first}] with other content`);
    });
    const unique = [...firstIndexByKey.values()].map((index) => batch[index]);

    const connection = await connectionOf(trx);
    const heads = await lockTenantHeads(connection, [...new Set(unique.map((event) => event.tenantId))]);
    const storedBefore = await claimIds(connection, unique);
    const earlier = unique.filter((event) => storedBefore.has(eventKey(event)));
    const stored = await loadEarlier(trx, sealed, earlier, batch, firstIndexByKey);

    const fresh = storedBefore.size === 0 ? unique : unique.filter((event) => !storedBefore.has(eventKey(event)));
    const sequenced = sequenceAndHash(fresh, heads);
    await insertEvents(connection, sequenced);
    const steps = commitSteps(sequenced);
    await saveHeads(connection, heads, steps);

    const actions = new Map<string, Set<AuditAction>>([...steps].map(([tenant, step]) => [tenant, step.actions]));
    const changedHeads = new Map(
      [...heads].filter(([, head]) => head.changed).map(([tenant, head]) => [tenant, head.sequence.toString()]),
    );
    // One notice per batch, never per row: NOTIFY takes a lock held until commit.
    if (changedHeads.size > 0)
      for (const announcer of announcers)
        await connection.query('SELECT pg_notify($1, $2)', [announcer.channel, announcer.payload(changedHeads)]);

    // The payload's events are assembled only if read: a producer asking for the counts alone
    // (the usual case) does not pay for a copy of the batch.
    let events: AuditEvent[] | undefined;
    const assemble = () => {
      const byKey = new Map<string, AuditEvent>(stored);
      for (const sequencedEvent of sequenced) byKey.set(eventKey(sequencedEvent.event), toStoredEvent(sequencedEvent));
      return batch.map((event) => byKey.get(eventKey(event))!);
    };
    return {
      get events() {
        return (events ??= assemble());
      },
      recorded: sequenced.length,
      duplicates: batch.length - sequenced.length,
      coalesced: 0,
      heads: changedHeads,
      actions,
    };
  });
}

async function loadEarlier(
  trx: Knex.Transaction,
  sealed: SealedValues,
  earlier: NewEvent[],
  batch: NewEvent[],
  firstIndexByKey: Map<string, number>,
): Promise<Map<string, AuditEvent>> {
  if (earlier.length === 0) return new Map();
  const { rows: keys } = await trx.raw(
    `SELECT k.id, k.tenant_id, k.occurred_at, encode(k.fingerprint, 'hex') AS fingerprint
     FROM unnest(?::text[], ?::uuid[]) AS v(tenant_id, id)
     JOIN audit_event_keys k ON k.tenant_id = v.tenant_id AND k.id = v.id`,
    [earlier.map((e) => e.tenantId), earlier.map((e) => e.id)],
  );
  for (const key of keys as Array<{ id: string; tenant_id: string; fingerprint: string }>) {
    const index = firstIndexByKey.get(eventKey({ id: key.id, tenantId: key.tenant_id }))!;
    if (key.fingerprint !== batch[index].fingerprint)
      throw new BadUserInputError(`events[${index}].id`, 'was already recorded with other content');
  }
  const rows: AuditEventRow[] = await trx
    .select(eventColumns(trx))
    .from('audit_events as e')
    .whereIn(
      ['e.tenant_id', 'e.occurred_at', 'e.id'],
      keys.map((key: { tenant_id: string; occurred_at: Date; id: string }) => [key.tenant_id, key.occurred_at, key.id]),
    );
  await sealed.open(trx, rows);
  return new Map(rows.map((row) => [eventKey({ id: row.id, tenantId: row.tenant_id }), toAuditEvent(row)]));
}

function toStoredEvent({ event, sequence, recordedAt }: SequencedEvent): AuditEvent {
  const sent = event.sent ?? event;
  return {
    id: event.id,
    tenantId: event.tenantId,
    sequence,
    occurredAt: event.occurredAt,
    recordedAt,
    actor: sent.actor,
    action: event.action,
    category: event.category,
    entityType: event.entityType,
    entityId: event.entityId,
    changes: sent.changes,
    source: event.source,
    ipAddress: sent.ipAddress,
    userAgent: sent.userAgent,
    sessionId: event.sessionId,
    location: sent.location as AuditEvent['location'],
    metadata: event.metadata,
    // Its writer sent it: nothing in it is hidden from them.
    redactedFields: NOTHING_REDACTED,
  };
}
