import type { Knex } from '@mikro-orm/postgresql';
import { toDate } from '../db/timestamps';
import { chainHash, GENESIS_HASH } from './event-hash';
import type { NewEvent } from './new-event';

export interface TenantHead {
  sequence: bigint;
  hash: Buffer;
  recordedAt: Date;
  /** The database clock when the lock was taken. */
  now: Date;
  changed: boolean;
}

export type SequencedEvent = NewEvent & { sequence: string; recordedAt: Date; hash: Buffer };

/**
 * Locks the tenants' log heads until the transaction ends, in tenant order so that batches
 * spanning several tenants cannot deadlock. Holding the lock from sequencing to commit is what
 * makes a tenant's sequence rise in commit order.
 */
export async function lockTenantHeads(trx: Knex.Transaction, tenants: string[]): Promise<Map<string, TenantHead>> {
  const heads = new Map<string, TenantHead>();
  if (tenants.length === 0) return heads;
  const select = () =>
    trx.raw(
      `SELECT tenant_id, last_sequence, last_hash, last_recorded_at, clock_timestamp() AS now
       FROM audit_log_heads WHERE tenant_id = ANY(?::text[]) ORDER BY tenant_id FOR UPDATE`,
      [tenants],
    );
  let { rows } = await select();
  if (rows.length < tenants.length) {
    await trx.raw(
      `INSERT INTO audit_log_heads (tenant_id, last_sequence, last_hash, last_recorded_at)
       SELECT unnest(?::text[]), 0, ?::bytea, '-infinity' ON CONFLICT (tenant_id) DO NOTHING`,
      [tenants, GENESIS_HASH],
    );
    ({ rows } = await select());
  }
  for (const row of rows)
    heads.set(row.tenant_id, {
      sequence: BigInt(row.last_sequence),
      hash: row.last_hash,
      recordedAt: toDate(row.last_recorded_at),
      now: toDate(row.now),
      changed: false,
    });
  return heads;
}

/** Gives each event its tenant's next sequence, in input order, and extends the tenant's hash chain. */
export function sequenceAndHash(events: NewEvent[], heads: Map<string, TenantHead>): SequencedEvent[] {
  return events.map((event) => {
    const head = heads.get(event.tenantId)!;
    // Never behind the previous batch, even if the database clock stepped back.
    const recordedAt = head.recordedAt > head.now ? head.recordedAt : head.now;
    head.sequence += 1n;
    const sequenced = { ...event, sequence: head.sequence.toString(), recordedAt, hash: GENESIS_HASH };
    sequenced.hash = chainHash(head.hash, sequenced);
    head.hash = sequenced.hash;
    head.recordedAt = recordedAt;
    head.changed = true;
    return sequenced;
  });
}
