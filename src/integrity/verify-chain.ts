import type { Knex } from '@mikro-orm/postgresql';
import { latestCheckpoint, type Checkpoint } from '../checkpoints/checkpoint';
import { verifyDocument, type PublicJwk } from '../checkpoints/signed-document';
import { canonicalContent } from '../events/canonical-content';
import { chainHash, contentDigest, GENESIS_HASH } from '../events/event-hash';
import { eventColumns, toAuditEvent, type AuditEventRow } from '../events/event-row';
import { normalizeIpAddress } from '../ip-address';
import { isSealed } from '../core/sealed-values';
import { verifyDeletionLog } from '../retention/deletion-log';
import type { IntegrityReport } from './integrity-report.type';

const CHUNK = 5000;

type HashedRow = AuditEventRow & { hash: Buffer };

/**
 * Re-walks a tenant's chain over the events recorded between `from` and `to` (recordedAt, which
 * rises with sequence), starting from the latest signed checkpoint before the range when there is
 * one. Each live event's hash must cover its content and its predecessor's hash; events taken out
 * by retention are accounted for by the chain anchors written with their archive files (the hash
 * of the last event of each removed run), and any other missing sequence is a break. Checkpoints
 * met on the way must match, a walk that reaches the end must meet the stored head, and the
 * deletion log must be intact and at least as long as the latest checkpoint says.
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

  const anchors = new AnchorReader(knex, tenantId);
  let previousHash = GENESIS_HASH;
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
    const anchor = previous ? undefined : await anchors.endingAt(start - 1n);
    if (!previous && !anchor) return broken(0, start - 1n);
    previousHash = previous ? previous.hash.toString('hex') : anchor!;
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
      .select(eventColumns(knex), 'e.hash')
      .from('audit_events as e')
      .where('e.tenant_id', tenantId)
      .whereBetween('e.sequence', [expected.toString(), end.toString()])
      .orderBy('e.sequence')
      .limit(CHUNK);
    const gapEnd = rows.length === 0 ? end : BigInt(rows[0].sequence) - 1n;
    if (gapEnd >= expected) {
      const runs = await anchors.tiling(expected, gapEnd);
      if (!Array.isArray(runs)) return broken(checked, runs.missing);
      for (const run of runs) if (!meetsCheckpoint(run.to, run.hash)) return broken(checked, run.to);
      previousHash = runs.at(-1)!.hash;
      expected = gapEnd + 1n;
    }
    for (const row of rows) {
      if (BigInt(row.sequence) !== expected) break;
      const event = toAuditEvent(row);
      event.ipAddress =
        row.ip_address === null || isSealed(row.ip_address) ? row.ip_address : normalizeIpAddress(row.ip_address);
      // The same bytes as the writer hashed: canonical JSON undoes jsonb's reordering and respelling.
      const position = {
        sequence: event.sequence,
        id: event.id,
        occurredAt: event.occurredAt.toISOString(),
        recordedAt: event.recordedAt.toISOString(),
      };
      const hash = chainHash(previousHash, position, contentDigest(canonicalContent(event).text));
      if (hash !== row.hash.toString('hex') || !meetsCheckpoint(expected, hash)) return broken(checked, expected);
      previousHash = hash;
      if (expected >= start) checked += 1;
      expected += 1n;
    }
  }
  if (end === lastSequence && previousHash !== head.last_hash.toString('hex')) return broken(checked, end);
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

/** The chain anchors of runs of events taken out by retention. */
class AnchorReader {
  constructor(
    private readonly knex: Knex,
    private readonly tenantId: string,
  ) {}

  async endingAt(sequence: bigint): Promise<string | undefined> {
    const row = await this.knex('audit_chain_anchors')
      .first('hash')
      .where({ tenant_id: this.tenantId, to_sequence: sequence.toString() });
    return row?.hash.toString('hex');
  }

  /** Anchored runs that cover exactly [from, to], in order; else the first sequence none accounts for. */
  async tiling(from: bigint, to: bigint): Promise<Array<{ to: bigint; hash: string }> | { missing: bigint }> {
    const rows: Array<{ from_sequence: string; to_sequence: string; hash: Buffer }> = await this.knex(
      'audit_chain_anchors',
    )
      .select('from_sequence', 'to_sequence', 'hash')
      .where('tenant_id', this.tenantId)
      .where('from_sequence', '>=', from.toString())
      .where('to_sequence', '<=', to.toString())
      .orderBy('to_sequence');
    let next = from;
    const runs: Array<{ to: bigint; hash: string }> = [];
    for (const row of rows) {
      if (BigInt(row.from_sequence) !== next) return { missing: next };
      next = BigInt(row.to_sequence) + 1n;
      runs.push({ to: BigInt(row.to_sequence), hash: row.hash.toString('hex') });
    }
    return next === to + 1n ? runs : { missing: next };
  }
}

async function boundary(knex: Knex, tenantId: string, side: 'first' | 'last', at: Date): Promise<bigint | null> {
  const row = await knex('audit_events')
    .first('sequence')
    .where('tenant_id', tenantId)
    .where('recorded_at', side === 'first' ? '>=' : '<=', at)
    .orderBy('sequence', side === 'first' ? 'asc' : 'desc');
  return row ? BigInt(row.sequence) : null;
}
