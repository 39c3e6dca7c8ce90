/**
 * Runs an async task one at a time. Asked to run while it runs, it runs once more afterwards,
 * however many times it was asked (so a burst of commit notices costs one more read, not one
 * each); when it fails, it runs again after `retryMs`.
 */
export class CoalescedTask {
  private running = false;
  private again = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    /** Resolves true when there is more to do at once (a full page was read). */
    private readonly task: () => Promise<boolean>,
    private readonly onError: (err: unknown) => void,
    private readonly retryMs = 1000,
  ) {}

  run(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private async loop(): Promise<void> {
    if (this.running) return void (this.again = true);
    this.running = true;
    try {
      do {
        this.again = false;
        if (await this.task()) this.again = true;
      } while (this.again && !this.stopped);
    } catch (err) {
      this.onError(err);
      if (!this.stopped) this.retryTimer ??= setTimeout(() => ((this.retryTimer = null), this.run()), this.retryMs);
    } finally {
      this.running = false;
    }
  }
}
