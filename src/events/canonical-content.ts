import canonicalize from 'canonicalize';
import { inCanonicalOrder, NOT_PLAIN } from './canonical-json';

/** What both hashes cover of an event besides its id, times and sequence: everything a reader sees. */
export interface EventContent {
  tenantId: string;
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

/** The content as an object in RFC 8785 key order, `free` applied to the free-form JSON values. */
function contentTree(content: EventContent, free: (value: unknown) => unknown) {
  const { actor } = content;
  return {
    action: content.action,
    actor: {
      email: actor.email,
      id: actor.id,
      impersonatorId: actor.impersonatorId,
      role: actor.role,
      type: actor.type,
    },
    changes: content.changes.map((change) => ({
      field: change.field,
      newValue: free(change.newValue),
      oldValue: free(change.oldValue),
    })),
    entityId: content.entityId,
    entityType: content.entityType,
    ipAddress: content.ipAddress,
    location: free(content.location),
    metadata: free(content.metadata),
    sessionId: content.sessionId,
    source: content.source,
    tenantId: content.tenantId,
    userAgent: content.userAgent,
  };
}

/**
 * The content as canonical JSON (RFC 8785), built once per event: the fingerprint, the chain hash
 * and the stored row all use these bytes. The fixed shape is laid out in sorted key order and the
 * free-form values put in that order too, so the native JSON.stringify writes it (less than half
 * the time and garbage of `canonicalize`, which remains for the rare value it cannot write: see
 * `inCanonicalOrder`). The same bytes from a validated input and from a stored row, where jsonb
 * has reordered keys and respelled numbers: the writer and the verifier both call this.
 */
export function canonicalContent(content: EventContent): string {
  let plain = true;
  const tree = contentTree(content, (value) => {
    const ordered = inCanonicalOrder(value ?? null);
    if (ordered === NOT_PLAIN) plain = false;
    return ordered;
  });
  return plain ? JSON.stringify(tree) : canonicalize(contentTree(content, (value) => value ?? null))!;
}
