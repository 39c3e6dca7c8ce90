import type { Knex } from '@mikro-orm/postgresql';
import { serviceKey } from './context';

/**
 * A personal value stored sealed under its data subject's key is the text
 * `pd1:<keyId>:<base64url(nonce | ciphertext | tag)>` (see src/erasure): it fits the text and jsonb
 * columns its plaintext used, and the hash chain covers it as it covers any text.
 */
export const SEALED_PREFIX = 'pd1:';

export const isSealed = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith(SEALED_PREFIX);

/** A sealed value inside a text (its key id and payload are base64url): finds them in exported JSON and CSV. */
export const SEALED_TEXT = /pd1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+/g;

/** The entity type whose records are people: a `User` record's id is the same person as the actor with that id. */
export const PERSON_ENTITY_TYPE = 'User';

/** What an exact-match search can look for without the plaintext: kinds of blind index terms. */
export type BlindTermKind = 'email' | 'emailLocalPart' | 'ip';

/** Computes blind index terms: what a search binds to match sealed values. */
export interface BlindIndex {
  /** The terms that sealed values equal to `values` carry; none when personal data is stored as sent. */
  blindTerms(kind: BlindTermKind, values: readonly string[]): string[];
}

/** The personal columns of a stored event as the readers select them. */
export interface SealableRow {
  actor_email?: string | null;
  ip_address?: string | null;
  user_agent?: string | null;
  location?: unknown;
  changes?: Array<{ field: string; oldValue: unknown; newValue: unknown }> | null;
  /** Set by `open`: the personal fields whose subject was erased (the event's `redactedFields`). */
  erased?: string[];
}

/** Opens what the read paths read: sealed personal values, and the blind index their searches use. */
export interface SealedValues extends BlindIndex {
  /**
   * Replaces, in place, the sealed personal values of rows by their plaintext; the values of an
   * erased subject (whose key is gone) become null and are named in the row's `erased`.
   */
  open<R extends SealableRow>(knex: Knex, rows: R[]): Promise<R[]>;
}

/** Provided by the erasure module, with or without a master key. */
export const SEALED_VALUES = serviceKey<SealedValues>('erasure.sealed values');
