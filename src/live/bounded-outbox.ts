import type { NextFrameWriter } from './member-outlet';
import type { RenderedEvent } from './render-event';

/**
 * One subscriber's events on their way to its socket: written at once while the socket takes
 * them, queued while it is congested (at most `limit`, so that a slow client cannot grow memory
 * without bound), and flushed in order when it drains.
 */
export class BoundedOutbox {
  /** The last sequence handed to the socket: a subscriber cut off resumes after it. */
  sent: bigint;
  private readonly queue: RenderedEvent[] = [];
  private roomWaiters: Array<() => void> = [];
  private closed = false;
  private readonly flushOnDrain = () => this.flush();

  constructor(
    sent: bigint,
    readonly limit: number,
    private readonly frames: NextFrameWriter,
  ) {
    this.sent = sent;
  }

  /** False when the queue is full: the subscriber is too slow, and the event was not taken. */
  offer(event: RenderedEvent): boolean {
    if (this.queue.length === 0 && !this.frames.congested) {
      this.write(event);
      return true;
    }
    if (this.queue.length >= this.limit) return false;
    if (this.queue.length === 0) this.frames.whenDrained(this.flushOnDrain);
    this.queue.push(event);
    return true;
  }

  /** For replays, which may wait: resolves when half the queue is free (or the outbox closed). */
  whenRoom(): Promise<void> {
    if (this.closed || this.queue.length < this.limit / 2) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Drops what is queued and writes nothing more. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.frames.forget(this.flushOnDrain);
    this.roomWaiters.splice(0).forEach((resolve) => resolve());
  }

  private write(event: RenderedEvent): void {
    this.frames.write(event);
    this.sent = event.sequence;
  }

  private flush(): void {
    while (!this.closed && this.queue.length > 0 && !this.frames.congested) this.write(this.queue.shift()!);
    if (this.queue.length < this.limit / 2) this.roomWaiters.splice(0).forEach((resolve) => resolve());
    if (!this.closed && this.queue.length > 0) this.frames.whenDrained(this.flushOnDrain);
  }
}
