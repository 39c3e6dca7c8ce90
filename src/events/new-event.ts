import type { ActorType, AuditAction, AuditCategory, AuditSource } from './enums';
import type { CanonicalContent } from './canonical-content';
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
  location: Record<string, string | number | null> | null;
  metadata: unknown;
  /** The content as canonical JSON (`canonicalContent`): digested, and its parts stored as they are. */
  content: CanonicalContent;
  /** sha256 of `content.text`, hex: the fingerprint and the chain hash cover it. */
  digest: string;
  /** Identifies the input as sent (see `fingerprint`), hex. */
  fingerprint: string;
}
