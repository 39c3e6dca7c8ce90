import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import type { Services } from '../core/context';
import { toDate } from '../db/timestamps';
import type { AuditEventInput } from '../events/audit-event.input';
import { ACCESS_ENTITY_TYPE, type AccessLog, type AccessTarget } from '../events/access-note';
import { ActorType, AuditAction, AuditSource } from '../events/enums';
import { recordEvents, writerOf } from '../events/record-events';
import type { Logger } from '../observability/logger';

type Reader = Parameters<AccessLog['noted']>[0];

interface PendingReads {
  reader: Reader;
  target: AccessTarget;
  targetKey: string;
  windowStart: Date;
  reads: number;
  firstAt: Date;
  lastAt: Date;
}

interface WindowRow {
  tenant_id: string;
  actor_id: string;
  target_key: string;
  /** PostgreSQL's text, as this service reads timestamps (src/db/timestamps.ts). */
  window_start: string;
  target: string;
  field: string;
  detail: Record<string, unknown> | null;
  actor_email: string | null;
  actor_role: string | null;
  reads: string;
  first_at: string;
  last_at: string;
  /** Set for a producer's reads of a record (see producer-reads.ts); null for reads of the log. */
  action: AuditAction | null;
  entity_type: string | null;
  entity_id: string | null;
  source: AuditSource | null;
  actor_type: ActorType | null;
}

export interface AccessWindowOptions {
  windowSeconds: number;
  flushMs: number;
  /** How long the ids of producers' reads are kept to recognise one sent again. */
  resendDays: number;
}

const keyOf = (entry: PendingReads) =>
  [entry.reader.tenantId, entry.reader.actorId, entry.targetKey, entry.windowStart.getTime()].join('\u0000');

/** Windows closed per transaction. */
const CLOSE_BATCH = 500;

/**
 * Coalesces reads of the log. Each replica counts reads in memory and adds them every `flushMs` to
 * one row per (tenant, actor, target, window) — windows of `windowSeconds` aligned on the epoch —
 * so that the count is summed in PostgreSQL across replicas. A window closes once it has ended
 * and a few flushes have passed: its row is locked, turned into one DATA_ACCESS (VIEW) event with
 * the count and the first and last read, and deleted, in one transaction, so that it is recorded
 * once whatever the number of replicas, and appended to the chain like any event (never updated).
 */
export class AccessWindows implements AccessLog {
  private pending = new Map<string, PendingReads>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly services: Services,
    private readonly options: AccessWindowOptions,
    private readonly log: Logger,
  ) {}

  noted(reader: Reader, target: AccessTarget): void {
    const now = new Date();
    const windowMs = this.options.windowSeconds * 1000;
    const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
    const targetKey = createHash('sha256')
      .update(canonicalize([target.target, target.field, target.detail ?? null]) ?? '')
      .digest('base64url');
    const fresh = { reader, target, targetKey, windowStart, reads: 1, firstAt: now, lastAt: now };
    const entry = this.pending.get(keyOf(fresh));
    if (entry) {
      entry.reads += 1;
      entry.lastAt = now;
    } else this.pending.set(keyOf(fresh), fresh);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.flushMs);
    this.timer.unref();
  }

  /** Adds what is counted; windows still open are closed by whichever replica runs after they end. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.flush();
  }

  private tick(): Promise<void> {
    this.running = this.running
      .then(() => this.flush())
      .then(() => this.closeEnded())
      .catch((err: unknown) => this.log.error({ err }, 'access log: could not store or close read windows'));
    return this.running;
  }

  private async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const entries = [...this.pending.values()];
    this.pending = new Map();
    const { knex } = this.services;
    try {
      await knex('access_windows')
        .insert(
          entries.map((entry) => ({
            tenant_id: entry.reader.tenantId,
            actor_id: entry.reader.actorId,
            target_key: entry.targetKey,
            window_start: entry.windowStart,
            target: entry.target.target,
            field: entry.target.field,
            detail: entry.target.detail ? JSON.stringify(entry.target.detail) : null,
            actor_email: entry.reader.email,
            actor_role: entry.reader.role,
            reads: entry.reads,
            first_at: entry.firstAt,
            last_at: entry.lastAt,
          })),
        )
        .onConflict(['tenant_id', 'actor_id', 'target_key', 'window_start'])
        .merge({
          reads: knex.raw('access_windows.reads + excluded.reads'),
          first_at: knex.raw('least(access_windows.first_at, excluded.first_at)'),
          last_at: knex.raw('greatest(access_windows.last_at, excluded.last_at)'),
        });
    } catch (error) {
      // Counted again at the next flush rather than lost.
      for (const entry of entries) {
        const later = this.pending.get(keyOf(entry));
        this.pending.set(
          keyOf(entry),
          later ? { ...entry, reads: entry.reads + later.reads, lastAt: later.lastAt } : entry,
        );
      }
      throw error;
    }
  }

  private async closeEnded(): Promise<void> {
    // A window is closed a few flushes after its end, once every replica has added its reads.
    const closedBefore = new Date(Date.now() - this.options.windowSeconds * 1000 - 3 * this.options.flushMs);
    for (;;) {
      const closed = await this.services.knex.transaction(async (trx) => {
        const rows: WindowRow[] = await trx('access_windows')
          .where('window_start', '<', closedBefore)
          .orderBy('window_start')
          .limit(CLOSE_BATCH)
          .forUpdate()
          .skipLocked();
        if (rows.length === 0) return null;
        const system = { subject: 'audit-subgraph', tenantId: rows[0].tenant_id, role: '', email: null, expiresAt: 0 };
        const result = await recordEvents(
          writerOf(this.services, trx),
          system,
          rows.map((row) => this.eventOf(row)),
        );
        await trx('access_windows')
          .whereIn(
            ['tenant_id', 'actor_id', 'target_key', 'window_start'],
            rows.map((row) => [row.tenant_id, row.actor_id, row.target_key, row.window_start]),
          )
          .delete();
        return { result, count: rows.length };
      });
      if (!closed) {
        await this.services
          .knex('access_read_claims')
          .where('occurred_at', '<', new Date(Date.now() - this.options.resendDays * 86_400_000))
          .delete();
        return;
      }
      this.services.bus.committed(closed.result);
      if (closed.count < CLOSE_BATCH) return;
    }
  }

  private eventOf(row: WindowRow): AuditEventInput {
    const counts = {
      reads: Number(row.reads),
      firstReadAt: toDate(row.first_at).toISOString(),
      lastReadAt: toDate(row.last_at).toISOString(),
      windowStart: toDate(row.window_start).toISOString(),
      windowSeconds: this.options.windowSeconds,
    };
    if (row.action)
      return {
        tenantId: row.tenant_id,
        occurredAt: toDate(row.first_at),
        actor: { id: row.actor_id, email: row.actor_email, role: row.actor_role, type: row.actor_type! },
        action: row.action,
        entityType: row.entity_type,
        entityId: row.entity_id,
        source: row.source!,
        metadata: counts,
      };
    return {
      tenantId: row.tenant_id,
      occurredAt: toDate(row.first_at),
      actor: { id: row.actor_id, email: row.actor_email, role: row.actor_role, type: ActorType.USER },
      action: AuditAction.VIEW,
      entityType: ACCESS_ENTITY_TYPE,
      entityId: row.target,
      source: AuditSource.API,
      metadata: {
        field: row.field,
        ...(row.detail ? { criteria: row.detail } : {}),
        ...counts,
      },
    };
  }
}
