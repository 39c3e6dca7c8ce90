import type { Knex } from '@mikro-orm/postgresql';
import { toDate } from '../db/timestamps';
import { GENESIS_HASH } from '../events/event-hash';
import { signDocument, type Signed } from './signed-document';
import type { SigningKeys } from './signing-keys';

/** What a checkpoint signs: the tenant's chain head and the head of its deletion log. */
export interface CheckpointFields extends Record<string, unknown> {
  tenantId: string;
  sequence: string;
  /** Hex: the chain hash of the event at `sequence`. */
  hash: string;
  signedAt: string;
  /** How many deletion records the tenant had, and the last one's hash: a removed record shows. */
  deletionRecords: number;
  deletionHash: string;
}

export type Checkpoint = Signed<CheckpointFields>;

/** Reads a tenant's deletion log head (count and last record hash). */
export async function deletionLogHead(knex: Knex, tenantId: string): Promise<{ count: number; hash: string }> {
  const row = await knex('deletion_records')
    .first('position', 'record_hash')
    .where('tenant_id', tenantId)
    .orderBy('position', 'desc');
  return row ? { count: Number(row.position), hash: row.record_hash } : { count: 0, hash: GENESIS_HASH };
}

/**
 * Signs the tenant's current head unless the latest checkpoint already covers it; returns the
 * checkpoint that covers it (none for a tenant without events). Two replicas signing the same head
 * keep the first checkpoint.
 */
export async function makeCheckpoint(knex: Knex, keys: SigningKeys, tenantId: string): Promise<Checkpoint | null> {
  return knex.transaction(async (trx) => {
    const head = await trx('audit_log_heads')
      .first('last_sequence', trx.raw(`encode(last_hash, 'hex') AS last_hash`), trx.raw('clock_timestamp() AS now'))
      .where('tenant_id', tenantId)
      .forShare();
    if (!head || head.last_sequence === '0') return null;
    const deletions = await deletionLogHead(trx, tenantId);
    const latest = await latestCheckpoint(trx, tenantId);
    if (latest && latest.sequence === head.last_sequence && latest.deletionRecords === deletions.count) return latest;
    const checkpoint = signDocument<CheckpointFields>(
      {
        tenantId,
        sequence: String(head.last_sequence),
        hash: head.last_hash,
        signedAt: toDate(head.now).toISOString(),
        deletionRecords: deletions.count,
        deletionHash: deletions.hash,
      },
      keys.keyId,
      keys.privateKey,
    );
    await trx.raw(
      `INSERT INTO audit_checkpoints (tenant_id, sequence, deletion_records, signed_at, document)
       VALUES (?, ?, ?, ?, ?::jsonb) ON CONFLICT DO NOTHING`,
      [tenantId, checkpoint.sequence, deletions.count, checkpoint.signedAt, JSON.stringify(checkpoint)],
    );
    return checkpoint;
  });
}

export async function latestCheckpoint(
  knex: Knex,
  tenantId: string,
  beforeSequence?: bigint,
): Promise<Checkpoint | null> {
  const query = knex('audit_checkpoints')
    .first('document')
    .where('tenant_id', tenantId)
    .orderBy([
      { column: 'sequence', order: 'desc' },
      { column: 'deletion_records', order: 'desc' },
    ]);
  if (beforeSequence !== undefined) query.where('sequence', '<', beforeSequence.toString());
  const row = await query;
  return row ? (row.document as Checkpoint) : null;
}

/** The tenant's checkpoints signed in [from, to], oldest first. */
export async function listCheckpoints(knex: Knex, tenantId: string, from?: Date, to?: Date): Promise<Checkpoint[]> {
  const query = knex('audit_checkpoints')
    .select('document')
    .where('tenant_id', tenantId)
    .orderBy(['sequence', 'deletion_records']);
  if (from) query.where('signed_at', '>=', from);
  if (to) query.where('signed_at', '<=', to);
  return (await query).map((row: { document: Checkpoint }) => row.document);
}

/** Tenants whose head moved past their latest checkpoint (or that have none yet). */
export async function tenantsAhead(knex: Knex): Promise<string[]> {
  const { rows } = await knex.raw(
    `SELECT h.tenant_id FROM audit_log_heads h
     WHERE h.last_sequence > COALESCE((SELECT max(c.sequence) FROM audit_checkpoints c WHERE c.tenant_id = h.tenant_id), 0)`,
  );
  return rows.map((row: { tenant_id: string }) => row.tenant_id);
}
