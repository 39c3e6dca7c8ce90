import type { ClientBase } from 'pg';
import { copyJson, copyRows, copyText, textArrayLiteral } from '../db/copy-rows';
import { searchTokensOf } from '../search/search-tokens';
import { eventKey, type NewEvent } from './new-event';
import type { SequencedEvent } from './sequencing';
import { isSealed } from '../core/sealed-values';

// Events and their keys are copied (COPY). A resent batch's ids go as ONE jsonb parameter passed as
// a string: `pg` sends a string as it is, where arrays would be escaped element by element in JavaScript.

/** PostgreSQL's SQLSTATE for a duplicate key. */
const UNIQUE_VIOLATION = '23505';

/**
 * Inserts the keys (tenant and id) in a fixed order, so that concurrent batches cannot deadlock;
 * returns the `eventKey`s of those already stored (usually none: the answer stays small). The usual
 * batch, all of it new, is copied (COPY) in a savepoint; a batch that resends an id is claimed again
 * by `INSERT … ON CONFLICT`, which tells which ids were stored before.
 */
export async function claimIds(connection: ClientBase, events: NewEvent[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const ordered = [...events].sort(byTenantAndId);
  await connection.query('SAVEPOINT claim_ids');
  try {
    await copyRows(connection, 'audit_event_keys', KEY_COLUMNS, ordered, keyRow);
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    await connection.query('ROLLBACK TO SAVEPOINT claim_ids');
    return claimIdsResent(connection, ordered);
  }
  await connection.query('RELEASE SAVEPOINT claim_ids');
  return new Set();
}

/** The columns of `audit_event_keys`, in the order `keyRow` gives them. */
export const KEY_COLUMNS = ['tenant_id', 'id', 'occurred_at', 'fingerprint'] as const;

const byTenantAndId = (a: NewEvent, b: NewEvent) =>
  a.tenantId === b.tenantId ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.tenantId < b.tenantId ? -1 : 1;

/** An event's key as a line of COPY text, its columns in the order of KEY_COLUMNS. */
export function keyRow(event: NewEvent): string {
  return `${copyText(event.tenantId)}\t${event.id}\t${event.occurredAt.toISOString()}\t\\\\x${event.fingerprint}\n`;
}

async function claimIdsResent(connection: ClientBase, events: NewEvent[]): Promise<Set<string>> {
  // Written out rather than JSON.stringify'd objects: ids are lowercase UUIDs, fingerprints hex.
  let keys = '';
  for (const event of events)
    keys +=
      `${keys ? ',' : ''}{"id":"${event.id}","tenant_id":${JSON.stringify(event.tenantId)},` +
      `"occurred_at":"${event.occurredAt.toISOString()}","fingerprint":"${event.fingerprint}"}`;
  const { rows } = await connection.query(
    `WITH batch AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(id uuid, tenant_id text, occurred_at timestamptz, fingerprint text)
     ), claimed AS (
       INSERT INTO audit_event_keys (id, tenant_id, occurred_at, fingerprint)
       SELECT id, tenant_id, occurred_at, decode(fingerprint, 'hex') FROM batch ORDER BY tenant_id, id
       ON CONFLICT (tenant_id, id) DO NOTHING RETURNING tenant_id, id
     )
     SELECT id, tenant_id FROM batch WHERE (tenant_id, id) NOT IN (SELECT tenant_id, id FROM claimed)`,
    [`[${keys}]`],
  );
  return new Set(
    rows.map((row: { id: string; tenant_id: string }) => eventKey({ id: row.id, tenantId: row.tenant_id })),
  );
}

/** The columns of `audit_events` a stored event fills, in the order its COPY rows give them. */
export const EVENT_COLUMNS = [
  'tenant_id',
  'sequence',
  'id',
  'occurred_at',
  'recorded_at',
  'actor_id',
  'actor_email',
  'actor_role',
  'actor_type',
  'impersonator_id',
  'action',
  'category',
  'entity_type',
  'entity_id',
  'changes',
  'changed_fields',
  'source',
  'ip_address',
  'user_agent',
  'session_id',
  'location',
  'metadata',
  'hash',
  'search_tokens',
  'ip_sealed',
  'personal_index',
] as const;

/**
 * The `search_tokens` of a stored event (one tokeniser for writes and searches: src/search/search-tokens.ts).
 * Sealed values give no tokens (their ciphertext matches no search term): exact matches on them go
 * through the blind index (`personal_index`).
 */
export function searchTokensOfEvent(event: NewEvent): string[] {
  return searchTokensOf({
    actorId: event.actor.id,
    actorEmail: event.actor.email,
    actorRole: event.actor.role,
    action: event.action,
    category: event.category,
    source: event.source,
    entityType: event.entityType,
    entityId: event.entityId,
    sessionId: event.sessionId,
    changes: event.changes,
    opaque: isSealed,
  });
}

const jsonColumn = (canonical: string) => copyJson(canonical === 'null' ? null : canonical);

/**
 * Copies sequenced events into `audit_events`. The JSON columns are the canonical JSON that was
 * hashed, not serialised again; validation has refused the NUL characters that COPY cannot carry.
 */
export async function insertEvents(connection: ClientBase, events: SequencedEvent[]): Promise<void> {
  if (events.length > 0) await copyRows(connection, 'audit_events', EVENT_COLUMNS, events, eventRow);
}

/** A sequenced event as a line of COPY text, its columns in the order of EVENT_COLUMNS. */
export function eventRow({ event, sequence, recordedAtText, occurredAtText, hash }: SequencedEvent): string {
  const { actor, content } = event;
  const sealedIp = isSealed(event.ipAddress);
  return (
    `${copyText(event.tenantId)}\t${sequence}\t${event.id}\t${occurredAtText}\t` +
    `${recordedAtText}\t${copyText(actor.id)}\t${copyText(actor.email)}\t${copyText(actor.role)}\t` +
    `${actor.type}\t${copyText(actor.impersonatorId)}\t${event.action}\t${event.category}\t` +
    `${copyText(event.entityType)}\t${copyText(event.entityId)}\t${copyJson(content.changes)}\t` +
    `${copyText(textArrayLiteral(event.changes.map((change) => change.field)))}\t${event.source}\t` +
    `${sealedIp ? '\\N' : copyText(event.ipAddress)}\t${copyText(event.userAgent)}\t${copyText(event.sessionId)}\t` +
    `${jsonColumn(content.location)}\t${jsonColumn(content.metadata)}\t\\\\x${hash}\t` +
    `${copyText(textArrayLiteral(searchTokensOfEvent(event)))}\t` +
    // A sealed address is text, which the inet column cannot hold.
    `${sealedIp ? copyText(event.ipAddress) : '\\N'}\t` +
    `${event.personalIndex.length > 0 ? copyText(textArrayLiteral(event.personalIndex)) : '\\N'}\n`
  );
}
