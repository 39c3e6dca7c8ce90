import type { ClientBase } from 'pg';
import { toDate } from '../db/timestamps';
import { chainHash, GENESIS_HASH } from './event-hash';
import type { AuditAction } from './enums';
import type { NewEvent } from './new-event';

export interface TenantHead {
  sequence: bigint;
  /** Hex. */
  hash: string;
  recordedAt: Date;
  /** The database clock when the lock was taken. */
  now: Date;
  changed: boolean;
}

/** An event with its place in its tenant's chain (the event itself is shared, not copied). */
export interface SequencedEvent {
  event: NewEvent;
  sequence: string;
  recordedAt: Date;
  /** `recordedAt` and the event's `occurredAt` as ISO-8601 text: written once, hashed and stored. */
  recordedAtText: string;
  occurredAtText: string;
  /** Hex. */
  hash: string;
}

/**
 * Locks the tenants' log heads until the transaction ends, in tenant order so that batches
 * spanning several tenants cannot deadlock. Holding the lock from sequencing to commit is what
 * makes a tenant's sequence rise in commit order.
 */
export async function lockTenantHeads(connection: ClientBase, tenants: string[]): Promise<Map<string, TenantHead>> {
  const heads = new Map<string, TenantHead>();
  if (tenants.length === 0) return heads;
  const select = () =>
    connection.query(
      `SELECT tenant_id, last_sequence, encode(last_hash, 'hex') AS last_hash, last_recorded_at, clock_timestamp() AS now
       FROM audit_log_heads WHERE tenant_id = ANY($1::text[]) ORDER BY tenant_id FOR UPDATE`,
      [tenants],
    );
  let { rows } = await select();
  if (rows.length < tenants.length) {
    await connection.query(
      `INSERT INTO audit_log_heads (tenant_id, last_sequence, last_hash, last_recorded_at)
       SELECT unnest($1::text[]), 0, decode($2, 'hex'), '-infinity' ON CONFLICT (tenant_id) DO NOTHING`,
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

/** What a batch added to one tenant's log: its first sequence and the actions of its events. */
export interface CommitStep {
  fromSequence: string;
  actions: Set<AuditAction>;
}

/** Per tenant, the step of its log that `sequenced` (in sequence order per tenant) makes. */
export function commitSteps(sequenced: readonly SequencedEvent[]): Map<string, CommitStep> {
  const steps = new Map<string, CommitStep>();
  for (const { event, sequence } of sequenced) {
    const step = steps.get(event.tenantId);
    if (step) step.actions.add(event.action);
    else steps.set(event.tenantId, { fromSequence: sequence, actions: new Set([event.action]) });
  }
  return steps;
}

/**
 * Writes back the heads this batch moved and records each one's step (`audit_commit_actions`), in
 * one statement.
 */
export async function saveHeads(
  connection: ClientBase,
  heads: Map<string, TenantHead>,
  steps: Map<string, CommitStep>,
): Promise<void> {
  const changed = [...heads].filter(([, head]) => head.changed);
  if (changed.length === 0) return;
  await connection.query(
    `WITH saved AS (
       UPDATE audit_log_heads h SET last_sequence = v.s, last_hash = decode(v.h, 'hex'), last_recorded_at = v.r
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::timestamptz[]) AS v(t, s, h, r) WHERE h.tenant_id = v.t
     )
     INSERT INTO audit_commit_actions (tenant_id, from_sequence, to_sequence, actions)
     SELECT t, f, s, string_to_array(a, ',') FROM unnest($1::text[], $5::bigint[], $2::bigint[], $6::text[]) AS v(t, f, s, a)`,
    [
      changed.map(([tenant]) => tenant),
      changed.map(([, head]) => head.sequence.toString()),
      changed.map(([, head]) => head.hash),
      changed.map(([, head]) => head.recordedAt),
      changed.map(([tenant]) => steps.get(tenant)!.fromSequence),
      // Actions are enum names: no commas.
      changed.map(([tenant]) => [...steps.get(tenant)!.actions].join(',')),
    ],
  );
}

/** Gives each event its tenant's next sequence, in input order, and extends the tenant's hash chain. */
export function sequenceAndHash(events: NewEvent[], heads: Map<string, TenantHead>): SequencedEvent[] {
  const recordedByTenant = new Map<string, { at: Date; text: string }>();
  return events.map((event) => {
    const head = heads.get(event.tenantId)!;
    let recorded = recordedByTenant.get(event.tenantId);
    if (!recorded) {
      // Never behind the previous batch, even if the database clock stepped back.
      const at = head.recordedAt > head.now ? head.recordedAt : head.now;
      recorded = { at, text: at.toISOString() };
      recordedByTenant.set(event.tenantId, recorded);
    }
    head.sequence += 1n;
    const sequence = head.sequence.toString();
    const occurredAtText = event.occurredAt.toISOString();
    const position = { sequence, id: event.id, occurredAt: occurredAtText, recordedAt: recorded.text };
    const hash = chainHash(head.hash, position, event.digest);
    head.hash = hash;
    head.recordedAt = recorded.at;
    head.changed = true;
    return { event, sequence, recordedAt: recorded.at, recordedAtText: recorded.text, occurredAtText, hash };
  });
}
