import type { Knex } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../errors';
import type { AuditEvent } from './audit-event.type';
import { eventColumns, toAuditEvent, type AuditEventRow } from './event-row';
import type { NewEvent } from './new-event';
import { lockTenantHeads, sequenceAndHash, type SequencedEvent } from './sequencing';

export interface RecordResult {
  /** In input order; a duplicate is the event stored earlier. */
  events: AuditEvent[];
  recorded: number;
  duplicates: number;
  /** Per tenant, the last sequence this batch wrote (for live fan-out). */
  heads: Map<string, string>;
}

/** Announces a committed batch from inside its transaction: PostgreSQL delivers the NOTIFY at commit, or never. */
export interface CommitAnnouncer {
  channel: string;
  payload(heads: Map<string, string>): string;
}

/**
 * Stores a batch whole or not at all. Ids already stored with the same content count as
 * duplicates; an id reused with other content fails the batch.
 * @throws BadUserInputError naming `events[i].id` on a conflicting id.
 */
export async function storeEvents(knex: Knex, batch: NewEvent[], announcer?: CommitAnnouncer): Promise<RecordResult> {
  return knex.transaction(async (trx) => {
    const firstIndexById = new Map<string, number>();
    batch.forEach((event, index) => {
      const first = firstIndexById.get(event.id);
      if (first === undefined) firstIndexById.set(event.id, index);
      else if (!batch[first].fingerprint.equals(event.fingerprint))
        throw new BadUserInputError(`events[${index}].id`, `reuses the id of events[${first}] with other content`);
    });
    const unique = [...firstIndexById.values()].map((index) => batch[index]);

    const heads = await lockTenantHeads(trx, [...new Set(unique.map((event) => event.tenantId))]);
    const fresh = await claimIds(trx, unique);
    const earlier = unique.filter((event) => !fresh.has(event.id));
    const stored = await loadEarlier(trx, earlier, batch, firstIndexById);

    const sequenced = sequenceAndHash(
      unique.filter((event) => fresh.has(event.id)),
      heads,
    );
    await insertEvents(trx, sequenced);
    await saveHeads(trx, heads);

    const changedHeads = new Map(
      [...heads].filter(([, head]) => head.changed).map(([tenant, head]) => [tenant, head.sequence.toString()]),
    );
    // One notice per batch, never per row: NOTIFY takes a lock held until commit.
    if (announcer && changedHeads.size > 0)
      await trx.raw('SELECT pg_notify(?, ?)', [announcer.channel, announcer.payload(changedHeads)]);

    const byId = new Map<string, AuditEvent>(stored);
    for (const event of sequenced) byId.set(event.id, toStoredEvent(event));
    return {
      events: batch.map((event) => byId.get(event.id)!),
      recorded: sequenced.length,
      duplicates: batch.length - sequenced.length,
      heads: changedHeads,
    };
  });
}

/** Inserts the ids in a fixed order (so concurrent batches cannot deadlock); returns those that were new. */
async function claimIds(trx: Knex.Transaction, events: NewEvent[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const { rows } = await trx.raw(
    `INSERT INTO audit_event_keys (id, tenant_id, occurred_at, fingerprint)
     SELECT * FROM unnest(?::uuid[], ?::text[], ?::timestamptz[], ?::bytea[]) ORDER BY 1
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [
      events.map((e) => e.id),
      events.map((e) => e.tenantId),
      events.map((e) => e.occurredAt),
      events.map((e) => e.fingerprint),
    ],
  );
  return new Set(rows.map((row: { id: string }) => row.id));
}

async function loadEarlier(
  trx: Knex.Transaction,
  earlier: NewEvent[],
  batch: NewEvent[],
  firstIndexById: Map<string, number>,
): Promise<Map<string, AuditEvent>> {
  if (earlier.length === 0) return new Map();
  const { rows: keys } = await trx.raw(
    'SELECT id, tenant_id, occurred_at, fingerprint FROM audit_event_keys WHERE id = ANY(?::uuid[])',
    [earlier.map((e) => e.id)],
  );
  for (const key of keys as Array<{ id: string; fingerprint: Buffer }>) {
    const index = firstIndexById.get(key.id)!;
    if (!key.fingerprint.equals(batch[index].fingerprint))
      throw new BadUserInputError(`events[${index}].id`, 'was already recorded with other content');
  }
  const rows: AuditEventRow[] = await trx
    .select(eventColumns(trx))
    .from('audit_events as e')
    .whereIn(
      ['e.tenant_id', 'e.occurred_at', 'e.id'],
      keys.map((key: { tenant_id: string; occurred_at: Date; id: string }) => [key.tenant_id, key.occurred_at, key.id]),
    );
  return new Map(rows.map((row) => [row.id, toAuditEvent(row)]));
}

async function insertEvents(trx: Knex.Transaction, events: SequencedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const column = <T>(pick: (event: SequencedEvent) => T) => events.map(pick);
  const json = (value: unknown) => (value == null ? null : JSON.stringify(value));
  await trx.raw(
    `INSERT INTO audit_events (tenant_id, sequence, id, occurred_at, recorded_at, actor_id, actor_email, actor_role,
       actor_type, impersonator_id, action, category, entity_type, entity_id, changes, changed_fields, source,
       ip_address, user_agent, session_id, location, metadata, hash)
     SELECT t, s, i, o, r, ai, ae, ar, at, im, ac, ca, et, ei, ch, ARRAY(SELECT jsonb_array_elements(ch)->>'field'),
       so, ip, ua, se, lo, me, h
     FROM unnest(?::text[], ?::bigint[], ?::uuid[], ?::timestamptz[], ?::timestamptz[], ?::text[], ?::text[], ?::text[],
       ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::jsonb[], ?::text[], ?::inet[], ?::text[],
       ?::text[], ?::jsonb[], ?::jsonb[], ?::bytea[])
       AS v(t, s, i, o, r, ai, ae, ar, at, im, ac, ca, et, ei, ch, so, ip, ua, se, lo, me, h)`,
    <Knex.Value[]>[
      column((e) => e.tenantId),
      column((e) => e.sequence),
      column((e) => e.id),
      column((e) => e.occurredAt),
      column((e) => e.recordedAt),
      column((e) => e.actor.id),
      column((e) => e.actor.email),
      column((e) => e.actor.role),
      column((e) => e.actor.type),
      column((e) => e.actor.impersonatorId),
      column((e) => e.action),
      column((e) => e.category),
      column((e) => e.entityType),
      column((e) => e.entityId),
      column((e) => JSON.stringify(e.changes)),
      column((e) => e.source),
      column((e) => e.ipAddress),
      column((e) => e.userAgent),
      column((e) => e.sessionId),
      column((e) => json(e.location)),
      column((e) => json(e.metadata)),
      column((e) => e.hash),
    ],
  );
}

async function saveHeads(trx: Knex.Transaction, heads: Awaited<ReturnType<typeof lockTenantHeads>>): Promise<void> {
  const changed = [...heads].filter(([, head]) => head.changed);
  if (changed.length === 0) return;
  await trx.raw(
    `UPDATE audit_log_heads h SET last_sequence = v.s, last_hash = v.h, last_recorded_at = v.r
     FROM unnest(?::text[], ?::bigint[], ?::bytea[], ?::timestamptz[]) AS v(t, s, h, r) WHERE h.tenant_id = v.t`,
    [
      changed.map(([tenant]) => tenant),
      changed.map(([, head]) => head.sequence.toString()),
      changed.map(([, head]) => head.hash),
      changed.map(([, head]) => head.recordedAt),
    ],
  );
}

function toStoredEvent({ hash: _hash, fingerprint: _fingerprint, ...event }: SequencedEvent): AuditEvent {
  return { ...event, sequence: event.sequence };
}
