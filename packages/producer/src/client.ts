import { randomUUID } from 'node:crypto';
import { redactor, type RedactionRule } from './redaction';
import { RejectedBatchError, type AuditTransport } from './transport';
import type { AuditEventDraft, AuditEventInput } from './types';

/**
 * Every field of `T`, each named even when undefined: the event's copy is written out field by
 * field (a spread with more fields after it, `{ ...draft, id }`, took microseconds per event on
 * Node 20), and a field added to `AuditEventInput` cannot be left out of it.
 */
type EveryField<T> = { [K in keyof Required<T>]: T[K] };

/** The subgraph's largest `recordAuditEvents` batch. */
const MAX_BATCH = 1000;

export interface AuditClientOptions {
  transport: AuditTransport;
  /** Events per batch (1 to 1,000); a full batch is sent at once. Default 100. */
  maxBatchSize?: number;
  /** A batch that is not full is sent this long after its first event. Default 1,000 ms. */
  flushIntervalMs?: number;
  /**
   * Events held at most (queued and in flight). When full, new events are dropped and counted
   * (`stats().dropped`, `onDrop`): the events already held keep their place. Default 10,000.
   */
  maxQueuedEvents?: number;
  /** Retries wait 100 ms, doubling up to this. Default 30,000 ms. */
  maxRetryDelayMs?: number;
  /** Fields whose values never leave the process (see `RedactionRule`). */
  redact?: readonly RedactionRule[];
  /** A batch failed: it is sent again (`willRetry`) or, refused by the subgraph, its bad events are dropped. */
  onError?: (error: unknown, details: { events: number; willRetry: boolean }) => void;
  /** Events dropped: the queue was full, or `close()` ran out of time. */
  onDrop?: (events: number, reason: 'queue full' | 'closed') => void;
}

export interface AuditClientStats {
  /** Held now: waiting or being sent. */
  queued: number;
  sent: number;
  /** Dropped because the queue was full or the client closed before they could be sent. */
  dropped: number;
  /** Refused by the subgraph as bad input (not retried). */
  rejected: number;
  /** Batches sent again after a failure. */
  retries: number;
}

/**
 * Batches audit events and delivers them in order: by size and by time, retrying failures with
 * the same event ids (the subgraph stores an id once), in bounded memory. `record` never throws
 * and never waits.
 */
export class AuditClient {
  private readonly queue: AuditEventInput[] = [];
  /** Events described but not built yet (`recordLater`), each counted as one held event: built when their batch leaves. */
  private later: Array<{ describe: () => readonly AuditEventDraft[]; at: number }> = [];
  /** A full batch of described events leaves on the event loop's next turn, not on the describing caller's. */
  private sendingSoon: NodeJS.Immediate | undefined;
  private readonly maxBatchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueuedEvents: number;
  private readonly maxRetryDelayMs: number;
  private readonly redact: (event: AuditEventInput) => void;
  private readonly counts = { sent: 0, dropped: 0, rejected: 0, retries: 0 };
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private retryDelayMs = 0;
  private wakeRetry: (() => void) | undefined;
  private closed = false;
  private giveUp = false;
  private readonly abandon = new AbortController();

  constructor(private readonly options: AuditClientOptions) {
    this.maxBatchSize = Math.min(MAX_BATCH, Math.max(1, options.maxBatchSize ?? 100));
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.maxQueuedEvents = Math.max(1, options.maxQueuedEvents ?? 10_000);
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.redact = redactor(options.redact ?? []);
  }

  /** Queues one event (redacted, with an id and time when it has none). */
  record(draft: AuditEventDraft): void {
    this.enqueue(draft, undefined);
    if (this.held() >= this.maxBatchSize) void this.startSending();
    else this.armTimer();
  }

  /**
   * Keeps `describe`, to be called when its batch leaves (full, `flushIntervalMs` after its first
   * event, or at `flush`/`close`): what the caller waits for is this call alone, and the events'
   * `occurredAt` defaults to its time. Until then it is held as one event (`maxQueuedEvents`);
   * whatever it reads must not change meanwhile: the plugin copies what a CRM may change.
   */
  recordLater(describe: () => readonly AuditEventDraft[]): void {
    if (this.closed) return this.drop(1, 'closed');
    if (this.held() >= this.maxQueuedEvents) return this.drop(1, 'queue full');
    this.later.push({ describe, at: Date.now() });
    if (this.held() < this.maxBatchSize) this.armTimer();
    else
      this.sendingSoon ??= setImmediate(() => {
        this.sendingSoon = undefined;
        void this.startSending();
      });
  }

  /** Redacts `draft` into the queue, with an id and a time (`at`, else now) when it has none. */
  private enqueue(draft: AuditEventDraft, at: number | undefined): void {
    try {
      if (this.closed) return this.drop(1, 'closed');
      if (this.held() >= this.maxQueuedEvents) return this.drop(1, 'queue full');
      const occurredAt = draft.occurredAt ?? new Date(at ?? Date.now());
      const event: EveryField<AuditEventInput> = {
        id: draft.id ?? randomUUID(),
        tenantId: draft.tenantId,
        occurredAt: occurredAt instanceof Date ? occurredAt.toISOString() : occurredAt,
        actor: draft.actor,
        action: draft.action,
        entityType: draft.entityType,
        entityId: draft.entityId,
        changes: draft.changes,
        before: draft.before,
        after: draft.after,
        source: draft.source,
        ipAddress: draft.ipAddress,
        userAgent: draft.userAgent,
        sessionId: draft.sessionId,
        location: draft.location,
        metadata: draft.metadata,
      };
      this.redact(event);
      this.queue.push(event);
    } catch (error) {
      this.report(error, 1, false);
    }
  }

  private held(): number {
    return this.queue.length + this.later.length;
  }

  private armTimer(): void {
    // Once closed, close() itself sends what is left.
    if (!this.closed) this.timer ??= setTimeout(() => void this.startSending(), this.flushIntervalMs).unref();
  }

  /** Builds the described events into the queue, in the order they were described. */
  private buildLater(): void {
    if (this.later.length === 0) return;
    const described = this.later;
    this.later = [];
    for (const { describe, at } of described) {
      try {
        for (const draft of describe()) this.enqueue(draft, at);
      } catch (error) {
        this.report(error, 0, false);
      }
    }
  }

  /** Resolves once everything queued before the call has been sent (or dropped as refused). */
  async flush(): Promise<void> {
    this.buildLater();
    while (this.queue.length > 0 && !this.giveUp) {
      this.wakeRetry?.();
      await this.startSending();
    }
  }

  /**
   * Stops taking events and sends what is held, for at most `timeoutMs` (default 5,000); what is
   * still held then is dropped and counted.
   */
  async close({ timeoutMs = 5000 }: { timeoutMs?: number } = {}): Promise<void> {
    // Events described before the close are built while the queue still takes them.
    this.buildLater();
    this.closed = true;
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise<void>((resolve) => (deadline = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(deadline);
    this.giveUp = true;
    this.abandon.abort();
    this.wakeRetry?.();
    await this.sending;
    clearTimeout(this.timer);
    clearImmediate(this.sendingSoon);
    if (this.queue.length > 0) this.drop(this.queue.splice(0).length, 'closed');
  }

  /** Hands a failure of the caller's (e.g. the plugin's) to `onError`: nothing was queued. */
  reportFailure(error: unknown): void {
    this.report(error, 0, false);
  }

  stats(): AuditClientStats {
    return { queued: this.held(), ...this.counts };
  }

  private startSending(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.buildLater();
    this.sending ??= this.sendAll().finally(() => {
      this.sending = undefined;
      if (this.queue.length > 0 && !this.giveUp) this.armTimer();
    });
    return this.sending;
  }

  /** Sends batches from the head of the queue, in order, until it is empty. */
  private async sendAll(): Promise<void> {
    while (this.queue.length > 0 && !this.giveUp) {
      const batch = this.queue.slice(0, this.maxBatchSize);
      try {
        await this.deliver(batch);
        this.retryDelayMs = 0;
      } catch (error) {
        this.report(error, batch.length, true);
        this.counts.retries++;
        this.retryDelayMs = Math.min(this.maxRetryDelayMs, Math.max(100, this.retryDelayMs * 2));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.retryDelayMs);
          timer.unref();
          this.wakeRetry = () => (clearTimeout(timer), resolve());
        });
        this.wakeRetry = undefined;
      }
    }
  }

  /**
   * Sends the batch at the head of the queue and takes it off. A batch the subgraph refuses is stored
   * whole or not at all: its events then go alone, so that only the bad ones are lost.
   * @throws what the transport threw for a passing failure; the events not yet sent stay at the head.
   */
  private async deliver(batch: AuditEventInput[]): Promise<void> {
    try {
      await this.options.transport.send(batch, this.abandon.signal);
      this.counts.sent += batch.length;
    } catch (error) {
      if (!(error instanceof RejectedBatchError)) throw error;
      for (const [index, event] of batch.entries()) {
        try {
          await this.options.transport.send([event], this.abandon.signal);
          this.counts.sent++;
        } catch (eventError) {
          if (!(eventError instanceof RejectedBatchError)) {
            this.queue.splice(0, index);
            throw eventError;
          }
          this.counts.rejected++;
          this.report(eventError, 1, false);
        }
      }
    }
    this.queue.splice(0, batch.length);
  }

  private drop(events: number, reason: 'queue full' | 'closed'): void {
    this.counts.dropped += events;
    try {
      this.options.onDrop?.(events, reason);
    } catch {
      // A producer's callback must not break the producer.
    }
  }

  private report(error: unknown, events: number, willRetry: boolean): void {
    try {
      this.options.onError?.(error, { events, willRetry });
    } catch {
      // As above.
    }
  }
}
