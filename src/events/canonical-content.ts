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

/** The canonical JSON of the content's parts that are stored as JSON columns. */
export interface CanonicalParts {
  changes: string;
  location: string;
  metadata: string;
}

/** The canonical JSON of an event's content, and of its stored parts. */
export interface CanonicalContent extends CanonicalParts {
  text: string;
}

const json = (value: unknown) => JSON.stringify(value);

/**
 * RFC 8785 JSON of a free-form value. Put in canonical key order, the native JSON.stringify writes it
 * (less than half the time and garbage of `canonicalize`, which remains for the rare value it cannot
 * write: see `inCanonicalOrder`).
 */
function canonicalJson(value: unknown): string {
  const ordered = inCanonicalOrder(value ?? null);
  return ordered === NOT_PLAIN ? canonicalize(value ?? null)! : JSON.stringify(ordered);
}

/**
 * The content as canonical JSON (RFC 8785), built once per event: the fingerprint, the chain hash
 * and the stored row all use these bytes. Canonical JSON is compositional, so the text is laid out
 * in sorted key order around the canonical JSON of its parts, and the parts stored as columns
 * (changes, location, metadata) are not serialised a second time. The same bytes from a validated
 * input and from a stored row, where jsonb has reordered keys and respelled numbers: the writer and
 * the verifier both call this.
 */
export function canonicalContent(content: EventContent): CanonicalContent {
  const { actor } = content;
  const changes = canonicalJson(
    content.changes.map((change) => ({
      field: change.field,
      newValue: change.newValue ?? null,
      oldValue: change.oldValue ?? null,
    })),
  );
  const location = canonicalJson(content.location);
  const metadata = canonicalJson(content.metadata);
  const text =
    `{"action":${json(content.action)},"actor":{"email":${json(actor.email)},"id":${json(actor.id)},` +
    `"impersonatorId":${json(actor.impersonatorId)},"role":${json(actor.role)},"type":${json(actor.type)}},` +
    `"changes":${changes},"entityId":${json(content.entityId)},"entityType":${json(content.entityType)},` +
    `"ipAddress":${json(content.ipAddress)},"location":${location},"metadata":${metadata},` +
    `"sessionId":${json(content.sessionId)},"source":${json(content.source)},"tenantId":${json(content.tenantId)},` +
    `"userAgent":${json(content.userAgent)}}`;
  return { text, changes, location, metadata };
}
