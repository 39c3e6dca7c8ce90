import { AuditError } from '../../errors';
import type { AuditAlert } from '../storage/alert.type';

/**
 * One `auditAlertRaised` subscriber: a queue read by graphql-ws as an async iterator. An error in
 * the queue is its last item: the field's resolver throws it, so the client gets it as a result.
 */
export class AlertSubscriber implements AsyncIterableIterator<AuditAlert | AuditError> {
  ended = false;
  private revoked = false;
  private readonly queue: Array<AuditAlert | AuditError> = [];
  private wake: (() => void) | null = null;
  private readonly expiry: NodeJS.Timeout;
  private readonly endListeners: Array<() => void> = [];

  constructor(
    readonly tenantId: string,
    readonly minRank: number,
    expiresAtMs: number,
    private readonly onEnd: (subscriber: AlertSubscriber) => void,
  ) {
    // The token's expiry ends the subscription: the client reconnects with a fresh one.
    this.expiry = setTimeout(() => void this.return(), Math.max(0, Math.min(expiresAtMs - Date.now(), 2 ** 31 - 1)));
    this.expiry.unref();
  }

  /** Calls `listener` once when the subscription ends. */
  onEnded(listener: () => void): void {
    if (this.ended) listener();
    else this.endListeners.push(listener);
  }

  push(alert: AuditAlert): void {
    if (this.ended || this.revoked) return;
    this.queue.push(alert);
    this.wakeReader();
  }

  /** Ends the subscription with `error`, after the alerts already queued. */
  revoke(error: AuditError): void {
    if (this.ended || this.revoked) return;
    this.revoked = true;
    this.queue.push(error);
    this.wakeReader();
  }

  private wakeReader(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async next(): Promise<IteratorResult<AuditAlert | AuditError>> {
    for (;;) {
      const alert = this.queue.shift();
      if (alert instanceof AuditError) void this.return();
      if (alert) return { value: alert, done: false };
      if (this.ended) return { value: undefined, done: true };
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async return(): Promise<IteratorResult<AuditAlert>> {
    if (!this.ended) {
      this.ended = true;
      clearTimeout(this.expiry);
      this.onEnd(this);
      for (const listener of this.endListeners.splice(0)) listener();
      const wake = this.wake;
      this.wake = null;
      wake?.();
    }
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
