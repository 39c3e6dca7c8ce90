import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hash,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { SEALED_PREFIX, type BlindTermKind } from '../core/sealed-values';

/**
 * Envelope encryption of personal values. Each data subject has a data key (AES-256-GCM), stored
 * wrapped by a key-encryption key derived from the master key; destroying the stored data key
 * makes every value sealed under it unreadable (crypto-shredding).
 *
 * A sealed value is the text `pd1:<keyId>:<base64url(nonce | ciphertext | tag)>` of the value's JSON
 * (src/core/sealed-values.ts). The nonce is synthetic (SHA-256 of the data key and the plaintext; one-shot
 * `crypto.hash`, a third of an HMAC object's cost on the write path): the same value
 * under the same key seals to the same text, so a resent event keeps its fingerprint, and a nonce
 * repeats only with its plaintext, which GCM tolerates (equal values are seen to be equal, nothing more).
 */
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const MASTER_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/**
 * The keys the master key gives: one wraps data keys, one computes the blind index. Held as key
 * objects, like data keys once used: a cipher made from a raw Buffer imports the key again each time.
 */
export interface MasterKeys {
  wrapping: KeyObject;
  blindIndex: KeyObject;
}

/**
 * Derives the working keys from PERSONAL_DATA_MASTER_KEY (32 bytes, base64 or base64url).
 * @throws Error when the text is not 32 bytes of base64.
 */
export function masterKeysOf(text: string): MasterKeys {
  if (!MASTER_KEY.test(text.trim())) throw new Error('PERSONAL_DATA_MASTER_KEY must be 32 bytes in base64');
  const master = Buffer.from(text.trim().replaceAll('-', '+').replaceAll('_', '/'), 'base64');
  const derive = (purpose: string) =>
    createSecretKey(Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), purpose, KEY_BYTES)));
  return { wrapping: derive('audit-subgraph subject key wrapping'), blindIndex: derive('audit-subgraph blind index') };
}

/** A new data key, its id and its wrapping nonce: one draw of random bytes for a whole batch of subjects. */
export interface NewDataKey {
  id: string;
  key: Buffer;
  nonce: Buffer;
}

const KEY_ID_BYTES = 12;

export function newDataKeys(count: number): NewDataKey[] {
  const width = KEY_BYTES + KEY_ID_BYTES + NONCE_BYTES;
  const random = randomBytes(count * width);
  return Array.from({ length: count }, (_, index) => {
    const at = index * width;
    return {
      key: random.subarray(at, at + KEY_BYTES),
      id: random.subarray(at + KEY_BYTES, at + KEY_BYTES + KEY_ID_BYTES).toString('base64url'),
      nonce: random.subarray(at + KEY_BYTES + KEY_ID_BYTES, at + width),
    };
  });
}

/** A new data key wrapped for storage; `context` (tenant and subject) is bound to it as associated data. */
export function wrapKey(wrapping: KeyObject, made: NewDataKey, context: string): Buffer {
  const cipher = createCipheriv('aes-256-gcm', wrapping, made.nonce).setAAD(Buffer.from(context));
  return Buffer.concat([made.nonce, cipher.update(made.key), cipher.final(), cipher.getAuthTag()]);
}

/** @throws Error when the wrapped key was made under another master key or for another subject. */
export function unwrapKey(wrapping: KeyObject, wrapped: Buffer, context: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', wrapping, wrapped.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(context)).setAuthTag(wrapped.subarray(wrapped.length - TAG_BYTES));
  return Buffer.concat([decipher.update(wrapped.subarray(NONCE_BYTES, wrapped.length - TAG_BYTES)), decipher.final()]);
}

/** A subject's data key as the write and read paths hold it. */
export interface DataKey {
  id: string;
  key: Buffer;
  /** `key` imported once for the ciphers made with it. */
  cipherKey?: KeyObject;
  /** The id as the associated data of each value sealed under it. */
  aad?: Buffer;
  /**
   * The texts this key sealed lately, by the value (strings) or its JSON (anything else): sealing is
   * deterministic, and a subject's email, address and user agent repeat event after event. Forgotten
   * with the key.
   */
  sealedStrings?: Memo;
  sealedJson?: Memo;
  /**
   * The JSON this key opened lately, by the sealed text: sealing is deterministic, so an actor's email and
   * user agent, and a record's unchanged values, are the same text event after event on a history page.
   */
  opened?: Memo;
  /** Its subject's blind index terms lately computed, by kind and value: an actor's email and address repeat too. */
  terms?: Partial<Record<BlindTermKind, Memo>>;
}

const MEMO_GENERATION = 64;

/**
 * At most two generations of `MEMO_GENERATION` entries: when the newer one is full it becomes the
 * older and the oldest is dropped, and an entry found in the older moves to the newer. Values seen
 * on every event (an actor's email) stay while one-off values (a new address each time) pass through.
 */
class Memo {
  private newer = new Map<string, string>();
  private older = new Map<string, string>();

  of(key: string, compute: () => string): string {
    let value = this.newer.get(key);
    if (value !== undefined) return value;
    value = this.older.get(key) ?? compute();
    if (this.newer.size >= MEMO_GENERATION) {
      this.older = this.newer;
      this.newer = new Map();
    }
    this.newer.set(key, value);
    return value;
  }
}

/** Seals the JSON of a value (a string, a number, an object...) under the subject's key. */
export function seal(dataKey: DataKey, value: unknown): string {
  // Keyed by the string itself, not a new JSON text: its hash is computed once, however often it is looked up.
  if (typeof value === 'string')
    return (dataKey.sealedStrings ??= new Memo()).of(value, () => sealJson(dataKey, JSON.stringify(value)));
  const json = JSON.stringify(value);
  return (dataKey.sealedJson ??= new Memo()).of(json, () => sealJson(dataKey, json));
}

function sealJson(dataKey: DataKey, json: string): string {
  const plaintext = Buffer.from(json);
  const nonce = hash('sha256', Buffer.concat([dataKey.key, plaintext]), 'buffer').subarray(0, NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', cipherKeyOf(dataKey), nonce).setAAD(aadOf(dataKey));
  const sealed = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${SEALED_PREFIX}${dataKey.id}:${sealed.toString('base64url')}`;
}

const cipherKeyOf = (dataKey: DataKey) => (dataKey.cipherKey ??= createSecretKey(dataKey.key));
const aadOf = (dataKey: DataKey) => (dataKey.aad ??= Buffer.from(dataKey.id));

/** The key id a sealed value names. */
export function keyIdOf(sealed: string): string {
  return sealed.slice(SEALED_PREFIX.length, sealed.indexOf(':', SEALED_PREFIX.length));
}

/**
 * The value sealed in `sealed`.
 * @throws Error when `dataKey` is not the key it was sealed under, or the text was altered.
 */
export function unseal(dataKey: DataKey, sealed: string): unknown {
  // The JSON text is remembered, not the value: each reader gets a value of its own to change.
  return JSON.parse((dataKey.opened ??= new Memo()).of(sealed, () => openJson(dataKey, sealed)));
}

function openJson(dataKey: DataKey, sealed: string): string {
  const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length + dataKey.id.length + 1), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', cipherKeyOf(dataKey), bytes.subarray(0, NONCE_BYTES));
  decipher.setAAD(aadOf(dataKey)).setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  const plaintext = Buffer.concat([
    decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)),
    decipher.final(),
  ]);
  return plaintext.toString('utf8');
}

/**
 * A blind index term: HMAC-SHA-256 of the kind and the normalised value under a key derived from
 * the master key, 128 bits in hex. Equal values give equal terms; the value cannot be recovered.
 */
export function blindTerm(key: KeyObject, kind: BlindTermKind, value: string): string {
  return createHmac('sha256', key).update(`${kind}\u0000${value.trim().toLowerCase()}`).digest('hex').slice(0, 32);
}

/**
 * `blindTerm` of a value of `dataKey`'s subject, remembered with that key (and forgotten with it);
 * `value` is what the term is remembered by, `indexed` (by default the value) what it is computed of.
 */
export function subjectBlindTerm(
  dataKey: DataKey,
  key: KeyObject,
  kind: BlindTermKind,
  value: string,
  indexed: () => string = () => value,
): string {
  return ((dataKey.terms ??= {})[kind] ??= new Memo()).of(value, () => blindTerm(key, kind, indexed()));
}
