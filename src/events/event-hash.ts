import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The hash before a tenant's first event. */
export const GENESIS_HASH: Buffer = Buffer.alloc(32);

/** What the chain covers: everything a reader sees of an event. */
export interface HashedContent {
  tenantId: string;
  sequence: string;
  id: string;
  occurredAt: Date;
  recordedAt: Date;
  actor: { id: string; email: string | null; role: string | null; type: string; impersonatorId: string | null };
  action: string;
  entityType: string | null;
  entityId: string | null;
  changes: ReadonlyArray<{ field: string; oldValue: unknown; newValue: unknown }>;
  source: string;
  ipAddress: string | null;
  userAgent: string | null;
  sessionId: string | null;
  location: unknown;
  metadata: unknown;
}

/**
 * Canonical JSON (RFC 8785) makes the hash independent of key order and of how PostgreSQL's
 * jsonb re-serialises values, so a verifier reading rows back computes the same bytes.
 */
export function chainHash(previousHash: Buffer, content: HashedContent): Buffer {
  // Named field by field: callers pass richer objects, and only the content may count.
  const { actor } = content;
  const canonical = canonicalize({
    tenantId: content.tenantId,
    sequence: content.sequence,
    id: content.id,
    occurredAt: content.occurredAt.toISOString(),
    recordedAt: content.recordedAt.toISOString(),
    actor: {
      id: actor.id,
      email: actor.email,
      role: actor.role,
      type: actor.type,
      impersonatorId: actor.impersonatorId,
    },
    action: content.action,
    entityType: content.entityType,
    entityId: content.entityId,
    changes: content.changes.map(({ field, oldValue, newValue }) => ({ field, oldValue, newValue })),
    source: content.source,
    ipAddress: content.ipAddress,
    userAgent: content.userAgent,
    sessionId: content.sessionId,
    location: content.location ?? null,
    metadata: content.metadata ?? null,
  });
  return createHash('sha256')
    .update(previousHash)
    .update(canonical ?? '')
    .digest();
}

/** Identifies an input as sent, to tell a harmless resend from a conflicting reuse of an id. */
export function fingerprint(input: unknown): Buffer {
  return createHash('sha256')
    .update(canonicalize(input) ?? '')
    .digest();
}
