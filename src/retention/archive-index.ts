import { createHash } from 'node:crypto';
import type { Knex } from '@mikro-orm/postgresql';
import { signDocument, verifyDocument, type PublicJwk, type Signed } from '../checkpoints/signed-document';
import type { SigningKeys } from '../checkpoints/signing-keys';
import type { ObjectStore } from '../storage/object-store';
import { MANIFEST_SUFFIX, type Manifest } from './manifest';

/**
 * What the database keeps of an archive file to account for the events it took out of the live
 * table, signed: exactly which sequences (their digest; the list itself is `archive_files.sequences`)
 * and the hash of the last one. A file's manifest says all this and more, and is kept as is.
 */
export interface ArchiveIndexFields extends Record<string, unknown> {
  tenantId: string;
  file: string;
  fromSequence: string;
  toSequence: string;
  rowCount: number;
  /** Hex SHA-256 over the sequences, 8 bytes big-endian each, ascending. */
  sequencesDigest: string;
  lastHash: string | null;
}

export type ArchiveIndexEntry = Signed<ArchiveIndexFields>;

export function sequencesDigest(sequences: Iterable<bigint>): string {
  const digest = createHash('sha256');
  const bytes = Buffer.alloc(8);
  for (const sequence of sequences) {
    bytes.writeBigInt64BE(sequence);
    digest.update(bytes);
  }
  return digest.digest('hex');
}

/** The same digest, of `archive_files.sequences` as stored (computed by PostgreSQL: no list crosses the wire). */
const STORED_SEQUENCES_DIGEST = `(SELECT encode(sha256(string_agg(int8send(s), ''::bytea ORDER BY o)), 'hex')
  FROM unnest(f.sequences) WITH ORDINALITY AS u(s, o))`;

interface UnsignedRow {
  tenant_id: string;
  key: string;
  from_sequence: string;
  to_sequence: string;
  row_count: number;
  sequences: string[];
  last_hash: Buffer | null;
  purged_at: Date | null;
}

/**
 * Whether a file's count and range are the ones something signed says: its manifest in the store
 * (while the file is there), else the deletion record written when it was deleted (the log is
 * chained and its head signed). With count and range fixed, a live sequence cannot be slipped into
 * the list without dropping an archived one, which then shows as missing.
 */
async function figuresAttested(knex: Knex, store: ObjectStore, keys: SigningKeys, row: UnsignedRow): Promise<boolean> {
  const sequences = row.sequences.map(BigInt);
  const ascending = sequences.every((sequence, index) => index === 0 || sequence > sequences[index - 1]);
  if (
    !ascending ||
    sequences.length !== row.row_count ||
    String(sequences[0]) !== String(row.from_sequence) ||
    String(sequences.at(-1)) !== String(row.to_sequence)
  )
    return false;
  if (row.purged_at === null) {
    const body = await store.get(row.key + MANIFEST_SUFFIX);
    if (!body) return false;
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    const manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Manifest;
    return (
      verifyDocument(manifest, keys.publicKeys) &&
      manifest.tenantId === row.tenant_id &&
      manifest.file === row.key &&
      manifest.fromSequence === String(row.from_sequence) &&
      manifest.toSequence === String(row.to_sequence) &&
      manifest.rowCount === row.row_count
    );
  }
  const record = await knex('deletion_records').first('position').where({
    tenant_id: row.tenant_id,
    from_sequence: row.from_sequence,
    to_sequence: row.to_sequence,
    event_count: row.row_count,
  });
  return record !== undefined;
}

/**
 * Signs the index entries of files archived before the database kept them (their manifests did
 * not list their sequences), once their count and range match what was signed of them; an entry
 * that does not stays unsigned, and the integrity check then reports its sequences as missing.
 * Returns the keys left unsigned.
 */
export async function signUnsignedIndexEntries(knex: Knex, store: ObjectStore, keys: SigningKeys): Promise<string[]> {
  const rows: UnsignedRow[] = await knex('archive_files')
    .select('tenant_id', 'key', 'from_sequence', 'to_sequence', 'row_count', 'sequences', 'last_hash', 'purged_at')
    .whereNull('signed_index');
  const refused: string[] = [];
  for (const row of rows) {
    if (!(await figuresAttested(knex, store, keys, row))) {
      refused.push(row.key);
      continue;
    }
    const entry = signDocument<ArchiveIndexFields>(
      {
        tenantId: row.tenant_id,
        file: row.key,
        fromSequence: String(row.from_sequence),
        toSequence: String(row.to_sequence),
        rowCount: row.row_count,
        sequencesDigest: sequencesDigest(row.sequences.map(BigInt)),
        lastHash: row.last_hash?.toString('hex') ?? null,
      },
      keys.keyId,
      keys.privateKey,
    );
    await knex('archive_files')
      .update({ signed_index: entry })
      .where({ tenant_id: row.tenant_id, key: row.key })
      .whereNull('signed_index');
  }
  return refused;
}

const FETCH = 50_000;

/**
 * The sequences a tenant's archive files took out of the live table, ascending, read in slices:
 * only files whose signed index entry verifies and matches their stored sequences count, so that
 * a sequence added to a file's list (a live event removed and passed off as archived) is not.
 */
export class ArchivedSequences {
  private files: string[] | undefined;
  private readonly lastHashes = new Map<bigint, string>();
  private buffer: bigint[] = [];
  private index = 0;
  private fetchedTo: bigint | null = null;
  private exhausted = false;

  constructor(
    private readonly knex: Knex,
    private readonly tenantId: string,
    private readonly publicKeys: readonly PublicJwk[],
  ) {}

  /** The first sequence of [from, to] that no verified file accounts for, or null. */
  async firstUnaccounted(from: bigint, to: bigint): Promise<bigint | null> {
    await this.loadFiles();
    for (let next = from; next <= to; next++) {
      let sequence = await this.peek(from);
      while (sequence !== null && sequence < next) {
        this.index++;
        sequence = await this.peek(from);
      }
      if (sequence !== next) return next;
      this.index++;
    }
    return null;
  }

  /** The signed hash of an archived event that ends a file, when one does. */
  lastHashAt(sequence: bigint): string | undefined {
    return this.lastHashes.get(sequence);
  }

  private async loadFiles(): Promise<void> {
    if (this.files) return;
    const rows: Array<{
      key: string;
      from_sequence: string;
      to_sequence: string;
      signed_index: ArchiveIndexEntry | null;
      digest: string;
    }> = await this.knex('archive_files as f')
      .select(
        'key',
        'from_sequence',
        'to_sequence',
        'signed_index',
        this.knex.raw(`${STORED_SEQUENCES_DIGEST} AS digest`),
      )
      .where('tenant_id', this.tenantId);
    this.files = [];
    for (const row of rows) {
      const entry = row.signed_index;
      if (
        !entry ||
        !verifyDocument(entry, this.publicKeys) ||
        entry.tenantId !== this.tenantId ||
        entry.file !== row.key ||
        entry.fromSequence !== String(row.from_sequence) ||
        entry.toSequence !== String(row.to_sequence) ||
        entry.sequencesDigest !== row.digest
      )
        continue;
      this.files.push(row.key);
      if (entry.lastHash) this.lastHashes.set(BigInt(entry.toSequence), entry.lastHash);
    }
  }

  private async peek(from: bigint): Promise<bigint | null> {
    if (this.index < this.buffer.length) return this.buffer[this.index];
    if (this.exhausted) return null;
    const lower = this.fetchedTo === null || this.fetchedTo < from ? from : this.fetchedTo + 1n;
    // int8 arrives as text; the order is the column's.
    const rows: Array<{ s: string }> = await this.knex
      .select('s')
      .from(this.knex.raw('archive_files f CROSS JOIN LATERAL unnest(f.sequences) AS s'))
      .where('f.tenant_id', this.tenantId)
      .whereIn('f.key', this.files!)
      .where('f.to_sequence', '>=', lower.toString())
      .where('s', '>=', lower.toString())
      .orderBy('s')
      .limit(FETCH);
    this.buffer = rows.map((row) => BigInt(row.s));
    this.index = 0;
    this.exhausted = rows.length < FETCH;
    if (rows.length) this.fetchedTo = this.buffer.at(-1)!;
    return this.buffer[0] ?? null;
  }
}
