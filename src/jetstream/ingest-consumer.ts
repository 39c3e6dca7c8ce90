import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { headers, nanos } from '@nats-io/nats-core';
import type { Principal } from '../auth/principal';
import { Role } from '../auth/principal';
import type { AuditEventInput } from '../events/audit-event.input';
import { EVENT_LIMITS } from '../events/limits';
import { recordEvents, type EventWriter } from '../events/record-events';
import { BadUserInputError } from '../errors';
import type { Logger } from '../observability/logger';
import type { DecodedMessage } from './decode-message';
import type { JetStreamMetrics } from './jetstream-metrics';
import type { IngestSubjects } from './subjects';

/** The header a rejected message carries its reason in. */
export const REJECTION_REASON_HEADER = 'Audit-Rejection-Reason';

/**
 * Concurrent writes per replica: one batch is validated and hashed while another commits. More
 * batches in flight cost more than they overlap: every batch's objects outlive more young-generation
 * collections, and PostgreSQL's backends contend with each other (bench/README.md, JetStream).
 */
const CONCURRENT_WRITES = 2;
const RETRY_DELAY_MS = { first: 250, max: 10_000 } as const;

export interface IngestOptions {
  stream: string;
  durable: string;
  subjects: IngestSubjects;
  ackWaitMs: number;
  pullAhead: number;
}

/**
 * Creates the stream and the durable consumer when missing. The stream is a work queue: a message
 * leaves it once acknowledged (PostgreSQL is the record); rejected messages stay in it, under
 * their own subjects, for whoever inspects them.
 */
export async function ensureStreamAndConsumer(jsm: JetStreamManager, options: IngestOptions): Promise<void> {
  const { stream, durable, subjects } = options;
  if (!(await exists(() => jsm.streams.info(stream))))
    await jsm.streams.add({
      name: stream,
      subjects: [subjects.events, subjects.rejected],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
    });
  if (!(await exists(() => jsm.consumers.info(stream, durable))))
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: subjects.events,
      ack_wait: nanos(options.ackWaitMs),
      max_ack_pending: -1,
    });
}

async function exists(info: () => Promise<unknown>): Promise<boolean> {
  try {
    await info();
    return true;
  } catch (error) {
    const missing =
      error instanceof JetStreamApiError &&
      (error.code === JetStreamApiCodes.StreamNotFound || error.code === JetStreamApiCodes.ConsumerNotFound);
    if (missing) return false;
    throw error;
  }
}

interface Taken {
  msg: JsMsg;
  tenantId: string;
  events: AuditEventInput[];
}

/**
 * One replica's share of the durable consumer: it pulls messages, writes them in batches of up to
 * 1,000 events through `recordEvents` (the HTTP path's validation, hashing, chaining and
 * idempotency), and acknowledges each message only after its batch committed. A message that can
 * never be stored is republished with the reason and acknowledged; a failed write (database down)
 * refuses the messages for a later redelivery and waits before writing again.
 */
export class IngestConsumer {
  private readonly queue: JsMsg[] = [];
  /** Tenants with a batch being written: the next batch prefers another, whose head is not locked. */
  private readonly writing = new Map<string, number>();
  private messages: ConsumerMessages | undefined;
  private readonly writersWaiting = new Signal();
  private readonly pumpWaiting = new Signal();
  private stopping = false;
  private retryDelayMs = 0;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly options: IngestOptions,
    private readonly writer: EventWriter,
    private readonly decode: (body: Uint8Array, tenantId: string) => DecodedMessage,
    private readonly metrics: JetStreamMetrics,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const consumer = await this.js.consumers.get(this.options.stream, this.options.durable);
    this.messages = await consumer.consume({ max_messages: this.options.pullAhead });
    const writers = Array.from({ length: CONCURRENT_WRITES }, () => this.writeLoop());
    this.running = Promise.all([this.pump(this.messages), ...writers]);
  }

  /** Stops pulling, lets the writes in flight commit and acknowledge; messages not begun go back at once. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.messages?.stop();
    this.writersWaiting.wake();
    this.pumpWaiting.wake();
    await this.running;
    for (const msg of this.queue.splice(0)) msg.nak();
  }

  /** Moves pulled messages into the queue, holding back while it is full (memory stays bounded). */
  private async pump(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      if (this.stopping) {
        msg.nak();
        continue;
      }
      if (msg.info.redelivered) this.metrics.redeliveries.inc();
      this.queue.push(msg);
      this.writersWaiting.wake();
      while (this.queue.length >= this.options.pullAhead && !this.stopping) await this.pumpWaiting.next();
    }
  }

  private async writeLoop(): Promise<void> {
    while (!this.stopping) {
      if (this.queue.length === 0) {
        await this.writersWaiting.next();
        continue;
      }
      const batch = this.take();
      this.pumpWaiting.wake();
      if (batch.length > 0) {
        const tenant = batch[0].tenantId;
        this.writing.set(tenant, (this.writing.get(tenant) ?? 0) + 1);
        await this.write(batch).finally(() => {
          const left = this.writing.get(tenant)! - 1;
          if (left > 0) this.writing.set(tenant, left);
          else this.writing.delete(tenant);
        });
      }
      if (this.retryDelayMs > 0 && !this.stopping)
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
    }
  }

  /**
   * Takes queued messages of one tenant, in order, up to one `recordAuditEvents` batch; rejects
   * those that cannot be read. One tenant per batch, preferably one no other write holds:
   * concurrent writes then lock different tenants' heads instead of queueing on the same ones.
   */
  private take(): Taken[] {
    const batch: Taken[] = [];
    let events = 0;
    let batchTenant: string | null | undefined;
    for (const msg of this.queue) {
      const tenantId = this.options.subjects.tenantOf(msg.subject);
      if (tenantId !== null && !this.writing.has(tenantId)) {
        batchTenant = tenantId;
        break;
      }
    }
    for (let index = 0; index < this.queue.length && events < EVENT_LIMITS.maxBatch;) {
      const msg = this.queue[index];
      const tenantId = this.options.subjects.tenantOf(msg.subject);
      if (batchTenant !== undefined && tenantId !== batchTenant) {
        index++;
        continue;
      }
      const decoded: DecodedMessage = tenantId
        ? this.decode(msg.data, tenantId)
        : { problem: 'the subject names no tenant' };
      if (decoded.problem !== undefined) {
        this.queue.splice(index, 1);
        this.reject(msg, tenantId ?? '_', decoded.problem);
        continue;
      }
      if (batch.length > 0 && events + decoded.events.length > EVENT_LIMITS.maxBatch) break;
      this.queue.splice(index, 1);
      batch.push({ msg, tenantId: tenantId!, events: decoded.events });
      events += decoded.events.length;
      batchTenant = tenantId;
    }
    return batch;
  }

  private async write(batch: Taken[]): Promise<void> {
    try {
      const result = await recordEvents(
        this.writer,
        natsPrincipal(batch[0].tenantId),
        batch.flatMap((t) => t.events),
      );
      const committedAt = Date.now();
      for (const { msg } of batch) {
        msg.ack();
        this.metrics.publishToCommit.observe((committedAt - msg.info.timestampNanos / 1e6) / 1000);
      }
      this.metrics.messages.inc({ outcome: 'committed' }, batch.length);
      this.metrics.events.inc({ outcome: 'stored' }, result.recorded);
      this.metrics.events.inc({ outcome: 'duplicate' }, result.duplicates);
      this.retryDelayMs = 0;
    } catch (error) {
      if (error instanceof BadUserInputError) {
        // One bad message fails its whole batch: each is written alone to find it.
        if (batch.length === 1) this.reject(batch[0].msg, batch[0].tenantId, error.message);
        else for (const taken of batch) await this.write([taken]);
        return;
      }
      this.retryDelayMs = Math.min(RETRY_DELAY_MS.max, Math.max(RETRY_DELAY_MS.first, this.retryDelayMs * 2));
      this.log.warn(
        { err: error, retryInMs: this.retryDelayMs },
        'could not store events from NATS; they will be redelivered',
      );
      for (const { msg } of batch) msg.nak(this.retryDelayMs);
      this.metrics.messages.inc({ outcome: 'retried' }, batch.length);
    }
  }

  /** Republishes a message that can never be stored, with the reason, then acknowledges it: it never blocks the stream. */
  private reject(msg: JsMsg, tenantId: string, reason: string): void {
    const hdrs = headers();
    hdrs.set(REJECTION_REASON_HEADER, reason);
    hdrs.set('Audit-Original-Subject', msg.subject);
    const subject = this.options.subjects.rejectedFor(tenantId);
    this.js
      .publish(subject, msg.data, { headers: hdrs })
      .catch((err: unknown) => this.log.warn({ err, subject }, 'could not keep a rejected message in the stream'))
      .finally(() => msg.ack());
    this.metrics.messages.inc({ outcome: 'rejected' });
    this.log.warn({ subject: msg.subject, reason }, 'message rejected');
  }
}

/** Whoever may publish on the events subjects writes as a SERVICE of the subject's tenant. */
function natsPrincipal(tenantId: string): Principal {
  return { subject: 'nats', tenantId, role: Role.Service, email: null, expiresAt: Number.POSITIVE_INFINITY };
}

/** Wakes every waiter at once. */
class Signal {
  private waiters: Array<() => void> = [];

  next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
