import type { Readable } from 'node:stream';
import { serviceKey } from '../core/context';

/** What a stored object is: its size and the SHA-256 (hex) of its bytes. */
export interface StoredObject {
  key: string;
  bytes: number;
  sha256: string;
}

/**
 * Where archives and exports live: a local folder or an S3-compatible bucket, chosen by ARCHIVE_URL.
 * Keys are relative paths of `/`-separated segments (no `.`, `..` or empty segment).
 */
export interface ObjectStore {
  /** The location, for logs and manifests (never carries credentials). */
  readonly location: string;
  /**
   * Writes the whole body, then makes it visible under `key` at once (a reader never sees half an object).
   * @throws Error when `key` is not a valid key.
   */
  put(key: string, body: Readable | Buffer): Promise<StoredObject>;
  /** The object's bytes, or `undefined` when there is none. */
  get(key: string): Promise<Readable | undefined>;
  /** Size and hash, or `undefined` when there is none. */
  stat(key: string): Promise<StoredObject | undefined>;
  /** Removes the object; no error when there is none. */
  delete(key: string): Promise<void>;
  /** The keys under `prefix`, in lexical order. */
  list(prefix: string): AsyncIterable<string>;
}

/** The store every module writes archives and exports to (provided by the storage module). */
export const OBJECT_STORE = serviceKey<ObjectStore>('object store');

const SEGMENT = /^[A-Za-z0-9._=-]+$/;

/** @throws Error when `key` could leave the store's root or is not a plain relative path. */
export function checkObjectKey(key: string): string {
  const segments = key.split('/');
  if (segments.some((segment) => !SEGMENT.test(segment) || segment === '.' || segment === '..'))
    throw new Error(`invalid object key "${key}"`);
  return key;
}
