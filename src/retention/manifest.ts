import type { Signed } from '../checkpoints/signed-document';
import type { ResealedDigests } from '../erasure/resealed';

/** What a manifest says of one archive file; signed with the checkpoint key. */
export interface ManifestFields extends Record<string, unknown> {
  /** 1: files archived before manifests listed their sequences (no `sequencesDigest`). */
  version: 1 | 2;
  tenantId: string;
  category: string;
  /** The month partition the events came from, `YYYY-MM`. */
  month: string;
  file: string;
  fromSequence: string;
  toSequence: string;
  /** Hex chain hashes of the first and last event (by sequence). */
  firstHash: string;
  lastHash: string;
  rowCount: number;
  occurredFrom: string;
  occurredTo: string;
  bytes: number;
  sha256: string;
  /** Hex SHA-256 over the events' hashes in sequence order: a deletion record's digest. */
  digest: string;
  /** Hex SHA-256 over the sequences, 8 bytes big-endian each, ascending: which events the file took out. */
  sequencesDigest?: string;
  /**
   * By sequence, the file's events whose personal values were sealed after they were stored
   * (src/erasure/seal-stored.ts): the digest their hash covers and the digest of their content as archived.
   */
  resealed?: Record<string, ResealedDigests>;
  archivedAt: string;
}

export type Manifest = Signed<ManifestFields>;

export const MANIFEST_SUFFIX = '.manifest.json';
export const CHECKPOINT_PREFIX = 'checkpoints';
export const ARCHIVE_PREFIX = 'archive';

const SAFE_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** A tenant id as one key segment: as it is when it can be, else hex-encoded. */
export function tenantSegment(tenantId: string): string {
  return SAFE_SEGMENT.test(tenantId) && !tenantId.startsWith('x=')
    ? tenantId
    : `x=${Buffer.from(tenantId).toString('hex')}`;
}

export function archiveKey(tenantId: string, category: string, month: string, from: string, to: string): string {
  return `${ARCHIVE_PREFIX}/${tenantSegment(tenantId)}/${category}/${month}/${from.padStart(12, '0')}-${to.padStart(12, '0')}.parquet`;
}

export function checkpointKey(tenantId: string, sequence: string, deletionRecords: number): string {
  return `${CHECKPOINT_PREFIX}/${tenantSegment(tenantId)}/${sequence.padStart(12, '0')}-${deletionRecords}.json`;
}
