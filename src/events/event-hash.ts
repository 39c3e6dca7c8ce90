import { createHash, hash } from 'node:crypto';

/** The hash before a tenant's first event (hashes travel as hex; stored as bytea). */
export const GENESIS_HASH = '0'.repeat(64);

/** sha256, hex. `crypto.hash` (Node >= 20.12) skips the stream object of `createHash`: a third of the cost. */
const sha256: (data: string) => string =
  typeof hash === 'function'
    ? (data) => hash('sha256', data)
    : (data) => createHash('sha256').update(data).digest('hex');

/** Where an event sits in its tenant's chain; instants as `Date.prototype.toISOString` writes them. */
export interface ChainPosition {
  sequence: string;
  id: string;
  occurredAt: string;
  recordedAt: string;
}

/** A stored event's place in its chain, its instants as the writer hashed them. */
export function chainPositionOf(event: {
  sequence: string;
  id: string;
  occurredAt: Date;
  recordedAt: Date;
}): ChainPosition {
  return {
    sequence: event.sequence,
    id: event.id,
    occurredAt: event.occurredAt.toISOString(),
    recordedAt: event.recordedAt.toISOString(),
  };
}

const text = (value: string | null) => JSON.stringify(value);

/** sha256 of the canonical content: the one pass over the event's bytes; both hashes below cover it. */
export function contentDigest(content: string): string {
  return sha256(content);
}

/**
 * sha256 of the RFC 8785 JSON of {content (its digest), id, occurredAt, previousHash, recordedAt,
 * sequence}: each event's hash covers what a reader sees of it and its predecessor's hash, so an
 * edit or a gap shows.
 */
export function chainHash(previousHash: string, at: ChainPosition, digest: string): string {
  return sha256(
    `{"content":"${digest}","id":${text(at.id)},"occurredAt":"${at.occurredAt}",` +
      `"previousHash":"${previousHash}","recordedAt":"${at.recordedAt}","sequence":${text(at.sequence)}}`,
  );
}

/**
 * Identifies an input as sent, to tell a harmless resend from a conflicting reuse of an id: the
 * content's digest and the id and occurredAt as given (a resend without occurredAt must match the first).
 */
export function fingerprint(digest: string, sentId: string | null, sentOccurredAt: Date | null): string {
  return sha256(
    `{"content":"${digest}","id":${text(sentId)},"occurredAt":${text(sentOccurredAt?.toISOString() ?? null)}}`,
  );
}
