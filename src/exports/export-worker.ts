import { randomUUID } from 'node:crypto';
import type { Knex } from '@mikro-orm/postgresql';
import type { Principal } from '../auth/principal';
import type { Services } from '../core/context';
import { adminActor } from '../events/admin-event';
import { AuditAction, AuditSource } from '../events/enums';
import { recordEvents, writerOf } from '../events/record-events';
import type { Logger } from '../observability/logger';
import type { ObjectStore } from '../storage/object-store';
import {
  announceExport,
  claimExport,
  endRun,
  expireExports,
  releaseRun,
  renewLease,
  type ExportRow,
} from './export-jobs';
import { exportObjectKey, manifestObjectKey } from './export-file';
import { ExportStatus } from './export.types';
import { writeExport, type ExportOutcome, type ExportRunDeps, type RunProgress } from './run-export';

export interface ExportWorkerOptions {
  databaseUrl: string;
  leaseMs: number;
  pollMs: number;
  retentionMs: number;
  maxRowsPerSecond: number;
  pdf: { maxEvents: number; fontPath: string | null };
  archive: ExportRunDeps['archive'];
  keys: ExportRunDeps['keys'];
  sealed: ExportRunDeps['sealed'];
  /** Queues the runs of due schedules; called before each look for work. */
  runDueSchedules?: () => Promise<unknown>;
  /** After an export succeeded (and its EXPORT event was stored): a schedule's delivery. */
  afterSuccess?: (row: ExportRow) => Promise<void>;
}

/** Who asked for an export, as the actor of its EXPORT event. */
function requesterOf(row: ExportRow): Principal {
  return {
    subject: row.created_by,
    tenantId: row.tenant_id,
    role: row.created_by_role,
    email: row.created_by_email,
    expiresAt: 0,
  };
}

/**
 * Runs queued exports one at a time on this replica, and takes over those whose worker died
 * (their lease lapsed): such a run starts again from the first row, bounded by the same chain head
 * (the store keeps no part of an object to append to; see the README, "Exports"). Also expires finished exports and deletes their files.
 */
export class ExportWorker {
  private readonly owner = `export-worker-${randomUUID()}`;
  private timer: NodeJS.Timeout | null = null;
  private looping: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private current: { row: ExportRow; abort: AbortController } | null = null;

  constructor(
    private readonly knex: Knex,
    private readonly services: Services,
    private readonly store: () => ObjectStore,
    private readonly options: ExportWorkerOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks for work now (a new export was queued on some replica). */
  wake(): void {
    if (this.stopped) return;
    if (this.looping) return void (this.again = true);
    this.looping = this.drain()
      .catch((err) => this.log.error({ err }, 'exports: the worker failed'))
      .finally(() => {
        this.looping = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Stops taking work; a run in progress is aborted and handed back to the queue at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.current?.abort.abort();
    await this.looping;
  }

  private async drain(): Promise<void> {
    await this.expire();
    await this.options.runDueSchedules?.();
    while (!this.stopped) {
      const row = await claimExport(this.knex, this.owner, this.options.leaseMs);
      if (!row) return;
      await announceExport(this.knex, row.tenant_id);
      await this.run(row);
    }
  }

  private async expire(): Promise<void> {
    for (const row of await expireExports(this.knex)) {
      await this.store().delete(exportObjectKey(row));
      await this.store().delete(manifestObjectKey(row));
      await announceExport(this.knex, row.tenant_id);
    }
  }

  private async run(row: ExportRow): Promise<void> {
    const abort = new AbortController();
    this.current = { row, abort };
    let progress: RunProgress | null = null;
    let held = true;
    const renewing = setInterval(
      () => {
        void renewLease(this.knex, row, this.owner, this.options.leaseMs, {
          rowsWritten: progress?.rowsWritten() ?? 0,
          rowsTotal: progress?.rowsTotal ?? null,
        })
          .then(async (still) => {
            if (!still) {
              held = false;
              abort.abort();
            }
            await announceExport(this.knex, row.tenant_id);
          })
          .catch((err) => this.log.warn({ err, exportId: row.id }, 'exports: could not renew a lease'));
      },
      Math.max(50, Math.floor(this.options.leaseMs / 3)),
    );
    try {
      const deps = { knex: this.knex, store: this.store(), ...this.options };
      const outcome = await writeExport(deps, row, abort.signal, (started) => (progress = started));
      clearInterval(renewing);
      await this.succeed(row, outcome);
    } catch (error) {
      clearInterval(renewing);
      if (!held) this.log.info({ exportId: row.id }, 'exports: cancelled or taken over, stopped writing');
      else if (this.stopped) await releaseRun(this.knex, row, this.owner);
      else {
        this.log.error({ err: error, exportId: row.id }, 'exports: an export failed');
        await endRun(this.knex, row, this.owner, {
          status: ExportStatus.FAILED,
          error: 'The export could not be written',
        });
      }
    } finally {
      this.current = null;
      await announceExport(this.knex, row.tenant_id).catch(() => undefined);
    }
  }

  /** The export's end and its EXPORT event are stored together, in one transaction. */
  private async succeed(row: ExportRow, outcome: ExportOutcome): Promise<void> {
    const committed = await this.knex.transaction(async (trx) => {
      const ended = await endRun(trx, row, this.owner, {
        status: ExportStatus.SUCCEEDED,
        rows_written: outcome.rows,
        rows_total: outcome.rows,
        bytes: String(outcome.file.bytes),
        sha256: outcome.file.sha256,
        object_key: outcome.file.key,
        keepForMs: this.options.retentionMs,
      });
      if (!ended) return null;
      return recordEvents(writerOf(this.services, trx), requesterOf(row), [
        {
          actor: adminActor(requesterOf(row)),
          action: AuditAction.EXPORT,
          entityType: 'AuditLog',
          entityId: row.id,
          source: AuditSource.API,
          metadata: {
            recordCount: outcome.rows,
            format: row.format,
            gzip: row.gzip,
            includeMetadata: row.include_metadata,
            personalDataMasked: row.redaction !== null,
            criteria: row.criteria,
            sha256: outcome.file.sha256,
            bytes: outcome.file.bytes,
            chainHeadSequence: row.head_sequence,
          },
        },
      ]);
    });
    if (committed && committed.heads.size > 0) this.services.bus.committed(committed);
    if (committed)
      await this.options.afterSuccess?.({
        ...row,
        status: ExportStatus.SUCCEEDED,
        rows_written: String(outcome.rows),
        sha256: outcome.file.sha256,
        object_key: outcome.file.key,
      });
    if (!committed) {
      await this.store().delete(outcome.file.key);
      await this.store().delete(manifestObjectKey(row));
    }
  }
}
