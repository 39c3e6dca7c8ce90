import type { Knex } from '@mikro-orm/postgresql';
import { serviceKey } from '../core/context';
import type { ActorType, AuditAction, AuditCategory, AuditSource } from './enums';
import type { CanonicalParts } from './canonical-content';
import type { FieldDiff } from './field-diff';

/** A validated event, ready to be sequenced, hashed and stored. */
export interface NewEvent {
  id: string;
  tenantId: string;
  occurredAt: Date;
  actor: { id: string; email: string | null; role: string | null; type: ActorType; impersonatorId: string | null };
  action: AuditAction;
  category: AuditCategory;
  entityType: string | null;
  entityId: string | null;
  changes: FieldDiff[];
  source: AuditSource;
  ipAddress: string | null;
  userAgent: string | null;
  sessionId: string | null;
  /** Sealed (a string, see src/erasure) when personal data is encrypted. */
  location: Record<string, string | number | null> | string | null;
  metadata: unknown;
  /** The canonical JSON of the stored parts (`canonicalContent`), stored as they are. */
  content: CanonicalParts;
  /** sha256 of the content's canonical JSON, hex: the fingerprint and the chain hash cover it. */
  digest: string;
  /** Identifies the input as sent (see `fingerprint`), hex. */
  fingerprint: string;
  /** The personal values as sent, when sealing replaced them: what the writer is answered with. */
  sent?: Pick<NewEvent, 'actor' | 'ipAddress' | 'userAgent' | 'location' | 'changes'>;
  /** Blind index terms of its sealed personal values (see src/erasure); empty when nothing is sealed. */
  personalIndex: string[];
}

/** Seals an event's personal values in place before it is hashed: provided when personal data is encrypted. */
export interface PersonalDataSealer {
  seal(knex: Knex, events: NewEvent[]): Promise<void>;
}

export const PERSONAL_DATA_SEALER = serviceKey<PersonalDataSealer | null>('personal data sealer');

/**
 * What makes an event one: its id within its tenant (the same UUID in two tenants is two events).
 * Unambiguous as one string because an id is always a 36-character lowercase UUID.
 */
export const eventKey = (event: { id: string; tenantId: string }): string => `${event.id}${event.tenantId}`;
