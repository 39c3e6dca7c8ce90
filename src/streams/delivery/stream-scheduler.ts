import type { CommittedBatch } from '../../core/commit-bus';
import type { CommitNotice } from '../../live/commit-notice';
import type { FanoutListener } from '../../live/fanout-transport';
import { StreamRunner, type RunnerDeps } from './stream-runner';
import type { StreamKey } from './stream-state';

const keyOf = ({ tenantId, id }: StreamKey) => `${tenantId}/${id}`;

/**
 * One replica's share of the streams: claims those no live replica holds (and renews its own) at every poll, runs
 * one StreamRunner per stream held, and wakes a tenant's runners when a commit of that tenant is heard of, from
 * this replica (the commit bus) or another (the live channel's notices).
 */
export class StreamScheduler implements FanoutListener {
  private readonly runners = new Map<string, StreamRunner>();
  /** Runners told to stop whose delivery in flight has not ended: no second one starts for their stream meanwhile. */
  private readonly stopping = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private claiming: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly deps: RunnerDeps,
    private readonly onClaimFailed: (err: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.claim(), this.deps.config.pollMs);
    this.timer.unref();
    this.claim();
  }

  /** The streams this replica delivers now. */
  get held(): StreamKey[] {
    return [...this.runners.values()].map((runner) => runner.key);
  }

  committed(batch: CommittedBatch): void {
    this.wakeTenants(batch.heads.keys());
  }

  onNotice(notice: CommitNotice): void {
    if (notice.heads === 'all') this.wakeAll();
    else this.wakeTenants(notice.heads.keys());
  }

  onResync(): void {
    this.wakeAll();
  }

  /** A stream's settings changed on this replica: its runner reads them now, and a new stream is claimed now. */
  changed(): void {
    this.wakeAll();
    this.claim();
  }

  /** Stops every runner (each ends its delivery in flight), then lets other replicas take the streams at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.claiming;
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
    await Promise.all(this.stopping.values());
    this.runners.clear();
    await this.deps.state.release();
  }

  private claim(): void {
    if (this.claiming || this.stopped) return;
    this.claiming = this.deps.state
      .claim()
      .then((keys) => this.hold(keys))
      .catch((err) => this.onClaimFailed(err))
      .finally(() => (this.claiming = null));
  }

  private hold(keys: StreamKey[]): void {
    if (this.stopped) return;
    const wanted = new Set(keys.map(keyOf));
    for (const [key, runner] of this.runners)
      if (!wanted.has(key)) {
        this.runners.delete(key);
        const stopped = runner.stop().finally(() => this.stopping.delete(key));
        this.stopping.set(key, stopped);
      }
    for (const key of keys) {
      const name = keyOf(key);
      if (this.runners.has(name) || this.stopping.has(name)) continue;
      const runner = new StreamRunner(key, this.deps);
      this.runners.set(name, runner);
      // A runner ends when its stream is no longer held or enabled: the next claim starts it again if it is.
      void runner.done.finally(() => {
        if (this.runners.get(name) === runner) this.runners.delete(name);
      });
    }
  }

  private wakeTenants(tenants: Iterable<string>): void {
    const woken = new Set(tenants);
    for (const runner of this.runners.values()) if (woken.has(runner.key.tenantId)) runner.wake();
  }

  private wakeAll(): void {
    for (const runner of this.runners.values()) runner.wake();
  }
}
