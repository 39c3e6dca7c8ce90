import type { GraphQLError } from 'graphql';
import { BoundedOutbox } from './bounded-outbox';
import { tokenExpiredError, tooSlowError } from './live-errors';
import type { LiveMetrics } from './live-metrics';
import { NextFrameWriter, type MemberOutlet } from './member-outlet';
import type { RenderedEvent } from './render-event';
import { SubscriptionEnd } from './subscription-end';

export type EndReason = 'client' | 'slow_consumer' | 'token_expired' | 'permissions_changed' | 'shutdown' | 'error';

/** Largest delay setTimeout accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `expire` when the token expires; the timer does not keep the process alive. */
function whenTokenExpires(expiresAtMs: number, expire: () => void): NodeJS.Timeout {
  const timer = setTimeout(expire, Math.max(0, Math.min(expiresAtMs - Date.now(), MAX_TIMER_MS)));
  timer.unref();
  return timer;
}

/**
 * One subscriber of a shared feed. Its `next` frames are written straight to its socket, so an
 * event costs it one string concatenation and one write, not graphql-ws's per-message path
 * (async iteration, execution, serialisation). A subscriber whose socket cannot keep up is cut
 * off with an error naming the last sequence written, from which it resumes.
 */
export class FeedMember {
  /** Given to graphql-ws, which owns the subscription's lifecycle (`complete`, `error`, disconnect). */
  readonly stream = new SubscriptionEnd(() => this.finish());
  ended = false;
  private readonly outbox: BoundedOutbox;
  private readonly expiryTimer: NodeJS.Timeout;
  private readonly endListeners: Array<() => void> = [];

  constructor(
    /** Events at or below this sequence are never written: what the subscriber has, or skipped. */
    public cursor: bigint,
    limit: number,
    outlet: MemberOutlet,
    private readonly metrics: LiveMetrics,
    private readonly onEnd: (member: FeedMember) => void,
    expiresAtMs: number,
  ) {
    this.outbox = new BoundedOutbox(cursor, limit, new NextFrameWriter(outlet, metrics));
    metrics.subscriptions.inc();
    this.expiryTimer = whenTokenExpires(expiresAtMs, () =>
      this.fail(tokenExpiredError(this.resumeAfter), 'token_expired'),
    );
  }

  get resumeAfter(): string {
    return this.outbox.sent.toString();
  }

  deliver(event: RenderedEvent): void {
    if (this.ended || event.sequence <= this.cursor) return;
    this.cursor = event.sequence;
    if (!this.outbox.offer(event)) this.fail(tooSlowError(this.outbox.limit, this.resumeAfter), 'slow_consumer');
  }

  /** Nothing up to `sequence` matched: move on without writing anything. */
  skipTo(sequence: bigint): void {
    if (sequence > this.cursor) this.cursor = sequence;
  }

  /** For replays, which may wait: resolves when the member can take more (or ended). */
  whenRoom(): Promise<void> {
    return this.outbox.whenRoom();
  }

  /** Calls `listener` once when the subscription ends, however it ends. */
  onEnded(listener: () => void): void {
    if (this.ended) listener();
    else this.endListeners.push(listener);
  }

  /** Ends the subscription with `error`, dropping what is queued: the error says where to resume. */
  fail(error: GraphQLError, reason: Exclude<EndReason, 'client'>): void {
    if (this.ended) return;
    this.metrics.subscriptionsDropped.inc({ reason });
    this.finish();
    this.stream.end(error);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.expiryTimer);
    this.outbox.close();
    this.metrics.subscriptions.dec();
    this.onEnd(this);
    for (const listener of this.endListeners.splice(0)) listener();
  }
}
