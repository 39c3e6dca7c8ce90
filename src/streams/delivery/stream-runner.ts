import type { PersonalFieldSource } from '../../events/redaction';
import { OutboundConnections } from '../../net/outbound-request';
import type { OutboundAllowList } from '../../net/outbound-url';
import type { Logger } from '../../observability/logger';
import { DeliveryError, type Sink } from '../sinks/sink';
import { sinkFor } from '../sinks/sink-for-kind';
import type { StreamSecrets } from '../stream-secrets';
import { streamRetryDelayMs, type StreamsConfig } from '../stream-settings';
import type { SharedStreamReads } from './shared-reads';
import { RecordShape } from './stream-event';
import type { HeldStream, StreamKey, StreamState } from './stream-state';

export interface RunnerDeps {
  /** Where the new events are read, once for the streams of a tenant. */
  pages: SharedStreamReads;
  /** The tenant's personal fields, read at each batch of a masked stream. */
  personalFields: PersonalFieldSource;
  state: StreamState;
  config: StreamsConfig;
  secrets: StreamSecrets;
  allowList: OutboundAllowList;
  log: Logger;
  onDelivered(stream: HeldStream, count: number): void;
  onFailed(stream: HeldStream, error: string): void;
  /** The stream just turned FAILING: raise its alert (never throws). */
  onFailing(stream: HeldStream, error: string, firstUndelivered: UndeliveredEvent): Promise<void>;
}

/** The event a failing stream is stuck on: what its alert points to. */
export interface UndeliveredEvent {
  id: string;
  sequence: string;
  occurredAt: Date;
}

/**
 * Delivers one stream while this replica holds it: reads the matching events after its acknowledged sequence, in
 * sequence order, sends them, and moves the sequence only on the sink's acknowledgement. A refusal is retried
 * with backoff from the same place. Sleeps until a commit of its tenant (or the poll) when it has caught up.
 */
export class StreamRunner {
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private sink: { sink: Sink; version: string; connections: OutboundConnections } | null = null;
  /** When the last batch that was not full went out: the next read waits `batchWaitMs` after it. */
  private lastPartialBatchAt = Number.NEGATIVE_INFINITY;
  readonly done: Promise<void>;

  constructor(
    readonly key: StreamKey,
    private readonly deps: RunnerDeps,
  ) {
    this.done = this.run();
  }

  /** A commit of the tenant, a configuration change, or a stop: look again now. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    return this.done;
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopped) {
        const stream = await this.deps.state.load(this.key);
        if (!stream) return;
        const waitMs = stream.nextAttemptAt.getTime() - Date.now();
        if (waitMs > 0) {
          await this.sleep(waitMs);
          continue;
        }
        const batchWaitMs = this.lastPartialBatchAt + this.deps.config.batchWaitMs - Date.now();
        if (batchWaitMs > 0) {
          await this.pause(batchWaitMs);
          continue;
        }
        if (!(await this.step(stream))) await this.sleep(this.deps.config.pollMs);
      }
    } catch (err) {
      if (!this.stopped)
        this.deps.log.error({ err, stream: this.key.id }, 'streams: delivery stopped; resumed by the next claim');
    } finally {
      this.deps.pages.leave(this.key.tenantId, this.key.id);
      this.closeSink();
    }
  }

  /** @returns true when there may be more to send at once. */
  private async step(stream: HeldStream): Promise<boolean> {
    let sink: Sink;
    try {
      sink = this.sinkOf(stream);
    } catch (error) {
      await this.failed(stream, error, null);
      return false;
    }
    const delivered = BigInt(stream.deliveredThroughSequence);
    const page = await this.deps.pages.page({
      streamId: stream.id,
      tenantId: stream.tenantId,
      after: delivered,
      match: stream.match,
      limit: sink.maxRecords,
    });
    if (page.events.length === 0) {
      // Nothing up to `through` matches: the stream passes it without sending anything.
      if (page.through > delivered && !(await this.deps.state.advance(stream, page.through.toString(), 0)))
        this.stopped = true;
      return page.more && !this.stopped;
    }
    const shape = new RecordShape(
      stream.format,
      stream.maskPersonalData ? { personalFields: await this.deps.personalFields.of(stream.tenantId) } : null,
    );
    const records = page.events.map((event) => event.recordFor(shape));
    let acknowledged: number;
    try {
      acknowledged = Math.min(await sink.deliver(records), records.length);
    } catch (error) {
      await this.failed(stream, error, records[0]);
      return false;
    }
    const through = acknowledged === records.length ? page.through.toString() : records[acknowledged - 1].sequence;
    if (!(await this.deps.state.advance(stream, through, acknowledged))) {
      this.stopped = true;
      return false;
    }
    this.deps.onDelivered(stream, acknowledged);
    if (!page.more) this.lastPartialBatchAt = Date.now();
    return true;
  }

  private async failed(stream: HeldStream, error: unknown, first: UndeliveredEvent | null) {
    const message = error instanceof Error ? error.message : String(error);
    const retryAfter = error instanceof DeliveryError ? error.retryAfterMs : null;
    const { config } = this.deps;
    const retryMs = retryAfter ?? streamRetryDelayMs(stream.consecutiveFailures + 1, config);
    const failures = await this.deps.state.failed(stream, {
      error: message,
      retryMs,
      failuresBeforeFailing: config.failuresBeforeFailing,
    });
    if (failures === null) {
      this.stopped = true;
      return;
    }
    this.deps.onFailed(stream, message);
    this.deps.log.warn(
      { stream: stream.id, failures, retryMs, error: message },
      'streams: the sink did not acknowledge; will retry',
    );
    if (failures === config.failuresBeforeFailing && first) await this.deps.onFailing(stream, message, first);
  }

  /** The sink for the stream's current settings: rebuilt when an admin changed them. */
  private sinkOf(stream: HeldStream): Sink {
    const version = stream.updatedAt.toISOString();
    if (this.sink?.version === version) return this.sink.sink;
    this.closeSink();
    const secret = stream.secret === null ? null : this.deps.secrets.open(stream.secret, stream.tenantId, stream.id);
    const connections = new OutboundConnections();
    const sink = sinkFor(stream.kind, {
      stream,
      secret,
      allowList: this.deps.allowList,
      timeoutMs: this.deps.config.timeoutMs,
      connections,
    });
    this.sink = { sink, version, connections };
    return sink;
  }

  private closeSink(): void {
    this.sink?.sink.close();
    this.sink?.connections.close();
    this.sink = null;
  }

  /** Waits `ms` whatever commits are heard of meanwhile (they are read after it); only a stop ends it early. */
  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    for (let left = ms; left > 0 && !this.stopped; left = until - Date.now()) {
      this.woken = false;
      await this.sleep(left);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || this.stopped) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
