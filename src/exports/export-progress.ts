import type { Knex } from '@mikro-orm/postgresql';
import type { CommitNotice } from '../live/commit-notice';
import type { FanoutListener } from '../live/fanout-transport';
import type { Logger } from '../observability/logger';
import { findExport, type ExportRow } from './export-jobs';
import { FINAL_STATUSES } from './export.types';

/** One `auditExportProgress` subscriber: each change of its export, until the export ends. */
class ProgressWatcher implements AsyncIterableIterator<ExportRow> {
  private readonly queue: ExportRow[] = [];
  private wakeUp: (() => void) | null = null;
  private last = '';
  ended = false;

  constructor(
    readonly tenantId: string,
    readonly exportId: string,
    private readonly onEnd: (watcher: ProgressWatcher) => void,
  ) {}

  offer(row: ExportRow): void {
    if (this.ended) return;
    const state = `${row.status}/${row.rows_written}/${row.rows_total}`;
    if (state === this.last) return;
    this.last = state;
    this.queue.push(row);
    if (FINAL_STATUSES.has(row.status)) this.finish();
    this.wake();
  }

  async next(): Promise<IteratorResult<ExportRow>> {
    for (;;) {
      const row = this.queue.shift();
      if (row) return { value: row, done: false };
      if (this.ended) return { value: undefined, done: true };
      await new Promise<void>((resolve) => (this.wakeUp = resolve));
    }
  }

  async return(): Promise<IteratorResult<ExportRow>> {
    this.queue.length = 0;
    this.finish();
    this.wake();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = null;
    wake?.();
  }
}

/**
 * This replica's `auditExportProgress` subscribers, by tenant. Whichever replica runs an export
 * announces each change on EXPORT_CHANNEL; each replica then reads its watched exports of that
 * tenant again, and passes on what changed.
 */
export class ExportProgressHub implements FanoutListener {
  private readonly watchers = new Map<string, Set<ProgressWatcher>>();

  constructor(
    private readonly knex: Knex,
    private readonly log: Logger,
  ) {}

  /** The export's state now, then each change, ending with its final state. */
  async watch(tenantId: string, exportId: string): Promise<AsyncIterableIterator<ExportRow>> {
    const watcher = new ProgressWatcher(tenantId, exportId, (ended) =>
      this.watchers.get(ended.tenantId)?.delete(ended),
    );
    const tenantWatchers = this.watchers.get(tenantId) ?? new Set();
    tenantWatchers.add(watcher);
    this.watchers.set(tenantId, tenantWatchers);
    await this.read(watcher);
    return watcher;
  }

  onNotice({ heads }: CommitNotice): void {
    const tenants = heads === 'all' ? [...this.watchers.keys()] : [...heads.keys()];
    for (const tenant of tenants) this.watchers.get(tenant)?.forEach((watcher) => void this.read(watcher));
  }

  onResync(): void {
    for (const tenantWatchers of this.watchers.values()) tenantWatchers.forEach((watcher) => void this.read(watcher));
  }

  private async read(watcher: ProgressWatcher): Promise<void> {
    try {
      const row = await findExport(this.knex, watcher.tenantId, watcher.exportId);
      if (row) watcher.offer(row);
    } catch (err) {
      this.log.warn({ err, exportId: watcher.exportId }, 'exports: could not read an export’s progress');
    }
  }
}
