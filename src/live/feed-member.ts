import type { GraphQLError } from 'graphql';
import { tokenExpiredError, tooSlowError } from './live-errors';
import type { LiveMetrics } from './live-metrics';
import { nextFramePrefix, type MemberOutlet } from './member-outlet';
import type { RenderedEvent } from './render-event';
import { SubscriptionEnd } from './subscription-end';

export type EndReason = 'client' | 'slow_consumer' | 'token_expired' | 'shutdown' | 'error';

/** Largest delay setTimeout accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One subscriber of a shared feed. Its `next` frames are written straight to its socket, so an
 * event costs it one string concatenation and one write, not graphql-ws's per-message path.
 * While the socket is congested, events wait in a queue; past `limit` of them the subscription
 * ends with an error naming the last sequence written, from which the client resumes.
 */
export class FeedMember {
  /** Given to graphql-ws, which owns the subscription's lifecycle (`complete`, `error`, disconnect). */
  readonly stream = new SubscriptionEnd(() => this.finish());
  ended = false;
  private sent: bigint;
  private readonly queue: RenderedEvent[] = [];
  private readonly framePrefix: string;
  private roomWaiters: Array<() => void> = [];
  private readonly expiryTimer: NodeJS.Timeout;
  private readonly flushOnDrain = () => this.flush();

  constructor(
    /** Events at or below this sequence are never written: what the subscriber has, or skipped. */
    public cursor: bigint,
    private readonly limit: number,
    private readonly outlet: MemberOutlet,
    private readonly metrics: LiveMetrics,
    private readonly onEnd: (member: FeedMember) => void,
    expiresAtMs: number,
  ) {
    this.sent = cursor;
    this.framePrefix = nextFramePrefix(outlet.subscriptionId);
    metrics.subscriptions.inc();
    const expiresIn = Math.max(0, Math.min(expiresAtMs - Date.now(), MAX_TIMER_MS));
    this.expiryTimer = setTimeout(() => this.fail(tokenExpiredError(this.resumeAfter), 'token_expired'), expiresIn);
    this.expiryTimer.unref();
  }

  get resumeAfter(): string {
    return this.sent.toString();
  }

  deliver(event: RenderedEvent): void {
    if (this.ended || event.sequence <= this.cursor) return;
    this.cursor = event.sequence;
    if (this.queue.length === 0 && !this.outlet.writer.congested) return this.write(event);
    if (this.queue.length >= this.limit) return this.fail(tooSlowError(this.limit, this.resumeAfter), 'slow_consumer');
    if (this.queue.length === 0) this.outlet.writer.whenDrained(this.flushOnDrain);
    this.queue.push(event);
  }

  /** Nothing up to `sequence` matched: move on without writing anything. */
  skipTo(sequence: bigint): void {
    if (sequence > this.cursor) this.cursor = sequence;
  }

  /** For replays, which may wait: resolves when half the queue is free (or the member ended). */
  whenRoom(): Promise<void> {
    if (this.ended || this.queue.length < this.limit / 2) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Ends the subscription with `error`, dropping what is queued: the error says where to resume. */
  fail(error: GraphQLError, reason: Exclude<EndReason, 'client'>): void {
    if (this.ended) return;
    this.queue.length = 0;
    this.metrics.subscriptionsDropped.inc({ reason });
    this.finish();
    this.stream.end(error);
  }

  private write(event: RenderedEvent): void {
    this.outlet.writer.send(this.framePrefix + event.json + '}');
    this.sent = event.sequence;
    this.metrics.eventsPushed.inc();
    this.metrics.commitToSend.observe((Date.now() - event.committedAt) / 1000);
  }

  private flush(): void {
    while (!this.ended && this.queue.length > 0 && !this.outlet.writer.congested) this.write(this.queue.shift()!);
    if (this.queue.length < this.limit / 2) this.roomWaiters.splice(0).forEach((resolve) => resolve());
    if (!this.ended && this.queue.length > 0) this.outlet.writer.whenDrained(this.flushOnDrain);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.expiryTimer);
    this.outlet.writer.forget(this.flushOnDrain);
    this.metrics.subscriptions.dec();
    this.roomWaiters.splice(0).forEach((resolve) => resolve());
    this.onEnd(this);
  }
}
