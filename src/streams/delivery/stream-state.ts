import type { Knex } from '@mikro-orm/postgresql';
import { toDate } from '../../db/timestamps';
import type { StreamFormat, StreamKind } from '../stream-enums';
import type { StreamEntity, StreamOptions } from '../stream.entity';

/** What the delivery engine reads of a stream it holds. */
export type HeldStream = Pick<
  StreamEntity,
  | 'tenantId'
  | 'id'
  | 'name'
  | 'kind'
  | 'endpoint'
  | 'format'
  | 'match'
  | 'maskPersonalData'
  | 'secret'
  | 'options'
  | 'deliveredThroughSequence'
  | 'failing'
  | 'consecutiveFailures'
  | 'nextAttemptAt'
  | 'updatedAt'
>;

interface HeldRow {
  tenant_id: string;
  id: string;
  name: string;
  kind: StreamKind;
  endpoint: string;
  format: StreamFormat;
  match: string | null;
  mask_personal_data: boolean;
  secret: string | null;
  options: StreamOptions;
  delivered_through_sequence: string;
  failing: boolean;
  consecutive_failures: number;
  next_attempt_at: string | Date;
  updated_at: string | Date;
}

export interface StreamKey {
  tenantId: string;
  id: string;
}

/**
 * The rows of one replica's streams: claimed and renewed together, each written only while this replica's lease
 * on it holds (`lease_owner`), so that a replica that lost a stream to another can no longer move it.
 */
export class StreamState {
  constructor(
    private readonly knex: Knex,
    private readonly owner: string,
    private readonly leaseMs: number,
  ) {}

  /**
   * Renews this replica's leases and takes the enabled streams whose lease expired (their replica stopped or died).
   * @returns every stream this replica holds now.
   */
  async claim(): Promise<StreamKey[]> {
    // A stream of ours that is locked right now (its runner is moving it forward) is skipped by the renewal but
    // still ours: it is listed too, or its runner would be stopped and started again for nothing.
    const { rows } = await this.knex.raw(
      `WITH claimed AS (
         UPDATE audit_streams SET lease_owner = ?, lease_until = clock_timestamp() + make_interval(secs => ?)
         WHERE (tenant_id, id) IN (
           SELECT tenant_id, id FROM audit_streams
           WHERE enabled AND (lease_owner = ? OR lease_until IS NULL OR lease_until < clock_timestamp())
           FOR UPDATE SKIP LOCKED)
         RETURNING tenant_id, id)
       SELECT tenant_id, id FROM claimed
       UNION
       SELECT tenant_id, id FROM audit_streams
       WHERE lease_owner = ? AND enabled AND lease_until > clock_timestamp()`,
      [this.owner, this.leaseMs / 1000, this.owner, this.owner],
    );
    return (rows as Array<{ tenant_id: string; id: string }>).map((row) => ({ tenantId: row.tenant_id, id: row.id }));
  }

  /** Lets other replicas take this one's streams at once (a graceful stop). */
  async release(): Promise<void> {
    await this.knex.raw('UPDATE audit_streams SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?', [
      this.owner,
    ]);
  }

  /** The stream, while this replica holds it and it is enabled; null otherwise. */
  async load({ tenantId, id }: StreamKey): Promise<HeldStream | null> {
    const row: HeldRow | undefined = await this.knex('audit_streams')
      .select(
        'tenant_id',
        'id',
        'name',
        'kind',
        'endpoint',
        'format',
        'match',
        'mask_personal_data',
        'secret',
        'options',
        this.knex.raw('delivered_through_sequence::text'),
        'failing',
        'consecutive_failures',
        'next_attempt_at',
        'updated_at',
      )
      .where({ tenant_id: tenantId, id, lease_owner: this.owner, enabled: true })
      .whereRaw('lease_until > clock_timestamp()')
      .first();
    if (!row) return null;
    return {
      tenantId: row.tenant_id,
      id: row.id,
      name: row.name,
      kind: row.kind,
      endpoint: row.endpoint,
      format: row.format,
      match: row.match,
      maskPersonalData: row.mask_personal_data,
      secret: row.secret,
      options: row.options ?? {},
      deliveredThroughSequence: row.delivered_through_sequence,
      failing: row.failing,
      consecutiveFailures: row.consecutive_failures,
      nextAttemptAt: toDate(row.next_attempt_at),
      updatedAt: toDate(row.updated_at),
    };
  }

  /**
   * Moves the stream past `through` after the sink acknowledged `count` events (0: only events that did not match
   * were passed). Only forward, and only while the lease holds.
   * @returns false when the lease was lost meanwhile.
   */
  async advance(key: StreamKey, through: string, count: number): Promise<boolean> {
    const { rowCount } = await this.knex.raw(
      `UPDATE audit_streams SET delivered_through_sequence = greatest(delivered_through_sequence, ?::bigint),
         delivered_events = delivered_events + ?,
         last_delivered_at = CASE WHEN ? > 0 THEN clock_timestamp() ELSE last_delivered_at END,
         consecutive_failures = 0, failing = false, last_error = NULL,
         lease_until = clock_timestamp() + make_interval(secs => ?)
       WHERE tenant_id = ? AND id = ? AND lease_owner = ?`,
      [through, count, count, this.leaseMs / 1000, key.tenantId, key.id, this.owner],
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * Counts a failed attempt and puts the next one off; the stream turns FAILING at `failuresBeforeFailing`.
   * @returns the consecutive failures now, or null when the lease was lost.
   */
  async failed(
    key: StreamKey,
    { error, retryMs, failuresBeforeFailing }: { error: string; retryMs: number; failuresBeforeFailing: number },
  ): Promise<number | null> {
    const { rows } = await this.knex.raw(
      `UPDATE audit_streams SET consecutive_failures = consecutive_failures + 1, failed_attempts = failed_attempts + 1,
         failing = failing OR consecutive_failures + 1 >= ?, last_error = ?,
         next_attempt_at = clock_timestamp() + make_interval(secs => ?)
       WHERE tenant_id = ? AND id = ? AND lease_owner = ?
       RETURNING consecutive_failures`,
      [failuresBeforeFailing, error.slice(0, 1000), retryMs / 1000, key.tenantId, key.id, this.owner],
    );
    return rows.length > 0 ? Number(rows[0].consecutive_failures) : null;
  }
}
