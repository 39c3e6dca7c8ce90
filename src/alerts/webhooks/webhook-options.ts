/** How deliveries are sent and retried (ALERT_WEBHOOK_* settings). */
export interface WebhookOptions {
  secret: string;
  timeoutMs: number;
  /** First retry delay; doubled at each failure up to `maxRetryMs`. */
  retryBaseMs: number;
  maxRetryMs: number;
  /** Attempts before a delivery is given up (`failed_at` set). */
  maxAttempts: number;
  pollMs: number;
}

/** The delay after the n-th failed attempt (n ≥ 1). */
export const retryDelayMs = (attempts: number, { retryBaseMs, maxRetryMs }: WebhookOptions) =>
  Math.min(maxRetryMs, retryBaseMs * 2 ** Math.max(0, attempts - 1));
