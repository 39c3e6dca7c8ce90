import type { Knex } from '@mikro-orm/postgresql';
import { latestCheckpoint, type Checkpoint } from '../checkpoints/checkpoint';
import { verifyDocument, type PublicJwk } from '../checkpoints/signed-document';
import { canonicalContent } from '../events/canonical-content';
import { chainHash, chainPositionOf, contentDigest, GENESIS_HASH } from '../events/event-hash';
import { eventColumns, toHashedEvent, type AuditEventRow } from '../events/event-row';
import { ResealedEvents } from '../erasure/resealed';
import { ArchivedSequences } from '../retention/archive-index';
import { verifyDeletionLog } from '../retention/deletion-log';
import type { IntegrityReport } from './integrity-report.type';

const CHUNK = 5000;

type HashedRow = AuditEventRow & { hash: Buffer; previous_hash: Buffer | null };

/**
 * Re-walks a tenant's chain over the events recorded between `from` and `to` (recordedAt, which
 * rises with sequence), starting from the latest signed checkpoint before the range when there is
 * one. Each live event's hash must cover its content and its predecessor's hash. A sequence missing
 * from the live table must be one that an archive file took out, by that file's signed index entry
 * (its sequences' digest checked against the list the database holds); any other is a break. The
 * live event after such a gap is hashed from the predecessor's hash it kept when the gap was made,
 * which must match the file's signed last hash or a checkpoint where either falls on the gap's end
 * (from that signed hash alone when the gap was made at the chain's end, before the event was written).
 * Checkpoints met on the way must match, a walk that reaches the end must meet the stored head,
 * and the deletion log must be intact and at least as long as the latest checkpoint says. An event
 * whose personal values were sealed after it was stored (src/erasure/seal-stored.ts) must match the
 * digest recorded for its sealed content, and its hash covers the digest recorded for its content as
 * first stored; those records count only under a re-sealing checkpoint that verifies.
 */
export async function verifyChain(
  knex: Knex,
  tenantId: string,
  publicKeys: readonly PublicJwk[],
  from?: Date,
  to?: Date,
): Promise<IntegrityReport> {
  const ok = (eventsChecked: number): IntegrityReport => ({
    ok: true,
    eventsChecked,
    firstBrokenSequence: null,
    firstBrokenDeletionRecord: null,
  });
  const head = await knex('audit_log_heads').first('last_sequence', 'last_hash').where('tenant_id', tenantId);
  if (!head) return ok(0);
  const lastSequence = BigInt(head.last_sequence);

  const latest = await latestCheckpoint(knex, tenantId);
  if (latest && !verifyDocument(latest, publicKeys)) return broken(0, BigInt(latest.sequence));
  const badRecord = await verifyDeletionLog(
    knex,
    tenantId,
    latest ? { count: latest.deletionRecords, hash: latest.deletionHash } : undefined,
  );
  if (badRecord !== null) return { ...broken(0, null), firstBrokenDeletionRecord: badRecord };

  const start = from ? await boundary(knex, tenantId, 'first', from) : 1n;
  const end = to ? await boundary(knex, tenantId, 'last', to) : lastSequence;
  if (start === null || end === null || start > end) return ok(0);

  const archived = new ArchivedSequences(knex, tenantId, publicKeys);
  const resealed = new ResealedEvents(knex, tenantId, publicKeys);
  /** The hash of the event before `expected`; null when that event was taken out by retention. */
  let previousHash: string | null = GENESIS_HASH;
  /** When it was taken out: its hash if something signed says it. */
  let signedGapHash: string | undefined;
  let expected = 1n;
  const startingPoint = await latestCheckpoint(knex, tenantId, start);
  if (startingPoint) {
    if (!verifyDocument(startingPoint, publicKeys)) return broken(0, BigInt(startingPoint.sequence));
    previousHash = startingPoint.hash;
    expected = BigInt(startingPoint.sequence) + 1n;
  } else if (start > 1n) {
    const previous = await knex('audit_events')
      .first('hash')
      .where({ tenant_id: tenantId, sequence: (start - 1n).toString() });
    if (!previous && (await archived.firstUnaccounted(start - 1n, start - 1n)) !== null) return broken(0, start - 1n);
    previousHash = previous ? previous.hash.toString('hex') : null;
    signedGapHash = archived.lastHashAt(start - 1n);
    expected = start;
  }
  const signed = await signedHashes(knex, tenantId, publicKeys, expected, end);
  if (signed === null) return broken(0, expected);

  let checked = 0;
  const meetsCheckpoint = (sequence: bigint, hash: string) => {
    const signedHash = signed.get(sequence);
    return signedHash === undefined || signedHash === hash;
  };
  while (expected <= end) {
    const rows: HashedRow[] = await knex
      .select(eventColumns(knex), 'e.hash', 'e.previous_hash')
      .from('audit_events as e')
      .where('e.tenant_id', tenantId)
      .whereBetween('e.sequence', [expected.toString(), end.toString()])
      .orderBy('e.sequence')
      .limit(CHUNK);
    const gapEnd = rows.length === 0 ? end : BigInt(rows[0].sequence) - 1n;
    if (gapEnd >= expected) {
      const missing = await archived.firstUnaccounted(expected, gapEnd);
      if (missing !== null) return broken(checked, missing);
      previousHash = null;
      signedGapHash = archived.lastHashAt(gapEnd) ?? signed.get(gapEnd);
      expected = gapEnd + 1n;
    }
    const sealedLater =
      rows.length === 0 ? new Map() : await resealed.between(expected, BigInt(rows[rows.length - 1].sequence));
    if ('broken' in sealedLater) return broken(checked, sealedLater.broken);
    for (const row of rows) {
      if (BigInt(row.sequence) !== expected) break;
      const kept = row.previous_hash?.toString('hex') ?? null;
      // A predecessor hash is kept only once the predecessor is gone; one beside a live predecessor is forged.
      // A gap made at the chain's end had no event after it to keep one: its file's signed hash stands for it.
      const predecessorHash = previousHash ?? kept ?? signedGapHash ?? null;
      if (predecessorHash === null || (kept !== null && kept !== predecessorHash)) return broken(checked, expected);
      if (previousHash === null && signedGapHash !== undefined && kept !== null && kept !== signedGapHash)
        return broken(checked, expected);
      const event = toHashedEvent(row);
      // The same bytes as the writer hashed: canonical JSON undoes jsonb's reordering and respelling.
      let digest = contentDigest(canonicalContent(event).text);
      const recorded = sealedLater.get(expected);
      if (recorded) {
        if (digest !== recorded.sealedDigest) return broken(checked, expected);
        digest = recorded.originalDigest;
      }
      const hash = chainHash(predecessorHash, chainPositionOf(event), digest);
      if (hash !== row.hash.toString('hex') || !meetsCheckpoint(expected, hash)) return broken(checked, expected);
      previousHash = hash;
      if (expected >= start) checked += 1;
      expected += 1n;
    }
  }
  const finalHash = previousHash ?? signedGapHash;
  if (end === lastSequence && finalHash !== undefined && finalHash !== head.last_hash.toString('hex'))
    return broken(checked, end);
  return ok(checked);
}

function broken(eventsChecked: number, sequence: bigint | null): IntegrityReport {
  return {
    ok: false,
    eventsChecked,
    firstBrokenSequence: sequence === null ? null : sequence.toString(),
    firstBrokenDeletionRecord: null,
  };
}

/** The signed hashes of the checkpoints in [from, to] by sequence; null when one's signature fails. */
async function signedHashes(
  knex: Knex,
  tenantId: string,
  publicKeys: readonly PublicJwk[],
  from: bigint,
  to: bigint,
): Promise<Map<bigint, string> | null> {
  const rows: Array<{ document: Checkpoint }> = await knex('audit_checkpoints')
    .select('document')
    .where('tenant_id', tenantId)
    .whereBetween('sequence', [from.toString(), to.toString()]);
  const hashes = new Map<bigint, string>();
  for (const { document } of rows) {
    if (!verifyDocument(document, publicKeys)) return null;
    hashes.set(BigInt(document.sequence), document.hash);
  }
  return hashes;
}

async function boundary(knex: Knex, tenantId: string, side: 'first' | 'last', at: Date): Promise<bigint | null> {
  const row = await knex('audit_events')
    .first('sequence')
    .where('tenant_id', tenantId)
    .where('recorded_at', side === 'first' ? '>=' : '<=', at)
    .orderBy('sequence', side === 'first' ? 'asc' : 'desc');
  return row ? BigInt(row.sequence) : null;
}
