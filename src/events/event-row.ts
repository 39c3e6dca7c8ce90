import type { Knex } from '@mikro-orm/postgresql';
import { isSealed } from '../core/sealed-values';
import { toDate } from '../db/timestamps';
import { normalizeIpAddress } from '../ip-address';
import type { AuditActor, AuditEvent } from './audit-event.type';
import type { ActorType, AuditAction, AuditCategory, AuditSource } from './enums';

/** An `audit_events` row as `EVENT_COLUMNS` selects it. */
export interface AuditEventRow {
  id: string;
  tenant_id: string;
  sequence: string;
  occurred_at: string;
  /** occurred_at in microseconds since the epoch: cursors keep PostgreSQL's full precision. */
  occurred_us: string;
  recorded_at: string;
  actor_id: string;
  actor_email: string | null;
  actor_role: string | null;
  actor_type: ActorType;
  impersonator_id: string | null;
  action: AuditAction;
  category: AuditCategory;
  entity_type: string | null;
  entity_id: string | null;
  changes: AuditEvent['changes'];
  source: AuditSource;
  ip_address: string | null;
  user_agent: string | null;
  session_id: string | null;
  location: AuditEvent['location'];
  metadata: unknown;
  /** Set by `SealedValues.open` (src/core/sealed-values.ts): the personal fields whose subject was erased. */
  erased?: string[];
}

/** The columns to select for an `AuditEventRow`, from the table aliased `alias`. */
export function eventColumns(knex: Knex, alias = 'e'): Knex.Raw {
  const a = alias;
  return knex.raw(
    `${a}.id, ${a}.tenant_id, ${a}.sequence, ${a}.occurred_at, ` +
      `(extract(epoch from ${a}.occurred_at) * 1000000)::bigint::text AS occurred_us, ${a}.recorded_at, ` +
      `${a}.actor_id, ${a}.actor_email, ${a}.actor_role, ${a}.actor_type, ${a}.impersonator_id, ${a}.action, ` +
      `${a}.category, ${a}.entity_type, ${a}.entity_id, ${a}.changes, ${a}.source, ` +
      // A sealed address is kept as text beside the inet column (src/erasure).
      `coalesce(${a}.ip_sealed, host(${a}.ip_address)) AS ip_address, ` +
      `${a}.user_agent, ${a}.session_id, ${a}.location, ${a}.metadata`,
  );
}

export function toAuditEvent(row: AuditEventRow): AuditEvent {
  return eventOf(row, toDate(row.occurred_at), toDate(row.recorded_at));
}

/**
 * The event of a stored row as its hash covers it: a plaintext address in the one spelling the writer
 * hashed (PostgreSQL's `host()` may spell it otherwise). What the verifier, the archive and the
 * re-sealing of stored events digest.
 */
export function toHashedEvent(row: AuditEventRow): AuditEvent {
  const event = toAuditEvent(row);
  event.ipAddress =
    row.ip_address === null || isSealed(row.ip_address) ? row.ip_address : normalizeIpAddress(row.ip_address);
  return event;
}

/** An event for a GraphQL answer only: its instants may still be PostgreSQL's text. */
export type AuditEventNode = Omit<AuditEvent, 'occurredAt' | 'recordedAt'> & {
  occurredAt: Date | string;
  recordedAt: Date | string;
};

/**
 * `toAuditEvent` with `occurredAt` and `recordedAt` left as PostgreSQL's text, which the DateTime scalar
 * prints as ISO-8601 (schema/scalars.ts): a page of history no longer parses 2 `Date`s per event only
 * to print them again. Code that computes with the instants uses `toAuditEvent`.
 */
export function toAuditEventNode(row: AuditEventRow): AuditEventNode {
  return eventOf(row, row.occurred_at, row.recorded_at);
}

/** The columns of `audit_events` that describe the actor. */
export type ActorColumns = Pick<
  AuditEventRow,
  'actor_id' | 'actor_email' | 'actor_role' | 'actor_type' | 'impersonator_id'
>;

/** The actor of a row that selected the actor columns. */
export function actorOf(row: ActorColumns): AuditActor {
  return {
    id: row.actor_id,
    email: row.actor_email,
    role: row.actor_role,
    type: row.actor_type,
    impersonatorId: row.impersonator_id,
  };
}

/** `redactedFields` of an event shown whole. */
export const NOTHING_REDACTED: readonly string[] = Object.freeze([]);

function eventOf<T extends Date | string>(row: AuditEventRow, occurredAt: T, recordedAt: T) {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    sequence: row.sequence,
    occurredAt,
    recordedAt,
    actor: actorOf(row),
    action: row.action,
    category: row.category,
    entityType: row.entity_type,
    entityId: row.entity_id,
    changes: row.changes,
    source: row.source,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    sessionId: row.session_id,
    location: row.location,
    metadata: row.metadata,
    redactedFields: row.erased ?? NOTHING_REDACTED,
  };
}
