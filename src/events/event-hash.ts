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
  const canonical = canonicalize({
    ...content,
    occurredAt: content.occurredAt.toISOString(),
    recordedAt: content.recordedAt.toISOString(),
    location: content.location ?? null,
    metadata: content.metadata ?? null,
  });
  return createHash('sha256').update(previousHash).update(canonical ?? '').digest();
}

/** Identifies an input as sent, to tell a harmless resend from a conflicting reuse of an id. */
export function fingerprint(input: unknown): Buffer {
  return createHash('sha256')
    .update(canonicalize(input) ?? '')
    .digest();
}
