import type { Knex } from '@mikro-orm/postgresql';
import { Role } from '../auth/principal';
import { serviceKey, type RequestContext } from '../core/context';

/** Events recording reads have this entity type, and the target as entity id. */
export const ACCESS_ENTITY_TYPE = 'AuditLog';

/**
 * What a person read. Not the CRM record itself as the event's entity: reading a record's history
 * would otherwise add to that history.
 */
export interface AccessTarget {
  /** `auditEvents`, `AuditEvent/<id>`, `Lead/<id>` (its history), ... */
  target: string;
  /** What was read, e.g. `auditHistory`; part of what makes two reads "the same thing". */
  field: string;
  /** Criteria of the read (filter, search), kept in the event; also part of the sameness. */
  detail?: Record<string, unknown>;
}

/** Counts reads of the log, to record them coalesced (see src/access-log). */
export interface AccessLog {
  noted(reader: { tenantId: string; actorId: string; email: string | null; role: string }, target: AccessTarget): void;
}

export const ACCESS_LOG = serviceKey<AccessLog>('access log');

/** What `ProducerReads.coalesce` did with a batch. */
export interface CoalescedReads<E> {
  /** The events to store one by one. */
  rest: E[];
  /** Reads counted into their windows by this batch. */
  counted: number;
  /** Reads whose id was counted before (a producer sending again): not counted twice. */
  resent: number;
}

/**
 * Producers' VIEW and REPORT_RUN events of personal records, counted like reads of the log into one
 * event per actor, record and window (src/access-log) instead of being stored one by one.
 */
export interface ProducerReads {
  /** Counts, in the batch's transaction, the reads it coalesces; answers the events left to store. */
  coalesce<E extends ProducerRead>(trx: Knex.Transaction, events: E[]): Promise<CoalescedReads<E>>;
}

/** What coalescing reads of an event. */
export interface ProducerRead {
  id: string;
  tenantId: string;
  occurredAt: Date;
  actor: { id: string; email: string | null; role: string | null; type: string };
  action: string;
  entityType: string | null;
  entityId: string | null;
  source: string;
}

export const PRODUCER_READS = serviceKey<ProducerReads>('producer reads');

/** Notes that the caller read `target`: recorded as a DATA_ACCESS event, coalesced. Services' reads are not. */
export function noteAccess(context: RequestContext, target: AccessTarget): void {
  const principal = context.auth.principal;
  if (!principal || principal.role === Role.Service) return;
  context.services
    .get(ACCESS_LOG)
    .noted(
      { tenantId: principal.tenantId, actorId: principal.subject, email: principal.email, role: principal.role },
      target,
    );
}
