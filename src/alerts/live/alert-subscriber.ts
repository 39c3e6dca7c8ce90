import type { AuditAlert } from '../storage/alert.type';

/** One `auditAlertRaised` subscriber: a queue read by graphql-ws as an async iterator. */
export class AlertSubscriber implements AsyncIterableIterator<AuditAlert> {
  ended = false;
  private readonly queue: AuditAlert[] = [];
  private wake: (() => void) | null = null;
  private readonly expiry: NodeJS.Timeout;

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

  push(alert: AuditAlert): void {
    if (this.ended) return;
    this.queue.push(alert);
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async next(): Promise<IteratorResult<AuditAlert>> {
    for (;;) {
      const alert = this.queue.shift();
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
