import type { Knex } from '@mikro-orm/postgresql';
import { postOutbound } from '../../net/outbound-request';
import type { OutboundAllowList } from '../../net/outbound-url';
import type { Logger } from '../../observability/logger';
import { retryDelayMs, type WebhookOptions } from './webhook-options';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../../net/signature';

interface DueDelivery {
  tenant_id: string;
  id: string;
  url: string;
  payload: string;
  attempts: number;
}

/**
 * POSTs stored deliveries until their endpoint answers 2xx, or gives up after `maxAttempts` (FAILED). Each is
 * claimed by pushing its next attempt past the request's timeout, so replicas share the table without sending one
 * twice at once. Every attempt goes through the outbound policy again: the URL was checked when it was saved, but
 * what its name resolves to may have changed since. The claim looks at every tenant's deliveries (a maintenance
 * job); each delivery is then written by its key, tenant first.
 */
export class WebhookWorker {
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;

  constructor(
    private readonly knex: Knex,
    private readonly options: WebhookOptions,
    private readonly allowList: OutboundAllowList,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
  }

  wake(): void {
    if (this.busy) return;
    this.busy = this.deliverDue()
      .catch((err) => this.log.error({ err }, 'alerts: webhook delivery round failed'))
      .finally(() => (this.busy = null));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.busy;
  }

  private async deliverDue(): Promise<void> {
    const lease = Math.ceil((this.options.timeoutMs + 5000) / 1000);
    const { rows } = await this.knex.raw(
      `UPDATE alert_webhook_deliveries SET attempts = attempts + 1, next_attempt_at = clock_timestamp() + make_interval(secs => ?)
       WHERE (tenant_id, id) IN (SELECT tenant_id, id FROM alert_webhook_deliveries
                                 WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= clock_timestamp()
                                 ORDER BY next_attempt_at LIMIT 20 FOR UPDATE SKIP LOCKED)
       RETURNING tenant_id, id, url, payload, attempts`,
      [lease],
    );
    await Promise.all((rows as DueDelivery[]).map((delivery) => this.attempt(delivery)));
  }

  private async attempt(delivery: DueDelivery): Promise<void> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    let status: number | null = null;
    let error: string | null = null;
    try {
      status = await postOutbound(this.allowList, {
        url: delivery.url,
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signBody(this.options.secret, timestamp, delivery.payload),
          [TIMESTAMP_HEADER]: timestamp,
          'x-audit-delivery': delivery.id,
        },
        body: delivery.payload,
        timeoutMs: this.options.timeoutMs,
      });
      if (status >= 300 && status < 400) error = `HTTP ${status}: redirects are not followed`;
      else if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const retryMs = retryDelayMs(delivery.attempts, this.options);
    const givenUp = error !== null && delivery.attempts >= this.options.maxAttempts;
    await this.knex.raw(
      `UPDATE alert_webhook_deliveries SET last_status = ?, last_error = ?,
         delivered_at = CASE WHEN ? THEN clock_timestamp() END,
         failed_at = CASE WHEN ? THEN clock_timestamp() END,
         next_attempt_at = clock_timestamp() + make_interval(secs => ?)
       WHERE tenant_id = ? AND id = ?`,
      [status, error?.slice(0, 500) ?? null, error === null, givenUp, retryMs / 1000, delivery.tenant_id, delivery.id],
    );
    if (givenUp)
      this.log.warn({ delivery: delivery.id, attempts: delivery.attempts, error }, 'alerts: webhook given up');
    else if (error)
      this.log.warn(
        { delivery: delivery.id, attempts: delivery.attempts, error, retryMs },
        'alerts: webhook not accepted; will retry',
      );
  }
}
