import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { BatchedFlush } from './batched-flush';

/**
 * Past this many bytes waiting in a socket, feeds stop writing to it and queue instead (a bounded
 * queue per subscriber, see FeedMember) until the kernel has taken them.
 */
const HIGH_WATER_BYTES = 1 << 20;

/**
 * The write side of one WebSocket connection, shared by graphql-ws (ack, error, complete) and by
 * the live feeds, which write their `next` frames here directly, in the order they are given.
 */
export class SocketWriter {
  private readonly drainWaiters = new Set<() => void>();

  constructor(
    private readonly ws: WebSocket,
    private readonly raw: Socket,
    private readonly flush: BatchedFlush,
  ) {
    // ws writes to this socket, so any write that leaves more than its 16 KiB mark buffered
    // arms 'drain': being congested (1 MiB) guarantees the event comes once the kernel caught up.
    raw.on('drain', () => {
      const waiters = [...this.drainWaiters];
      this.drainWaiters.clear();
      waiters.forEach((resume) => resume());
    });
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** Too much is waiting in the socket: new frames wait for `whenDrained`. */
  get congested(): boolean {
    return this.ws.bufferedAmount >= HIGH_WATER_BYTES;
  }

  /** One text frame; `done` once it reached the kernel. Ignored once the socket is closing. */
  send(frame: string, done?: (err?: Error) => void): void {
    if (!this.open) return done?.();
    // The frames for this socket until the next flush round leave in one write (syscall).
    this.flush.hold(this.raw);
    this.ws.send(frame, done);
  }

  whenDrained(resume: () => void): void {
    this.drainWaiters.add(resume);
  }

  forget(resume: () => void): void {
    this.drainWaiters.delete(resume);
  }
}
