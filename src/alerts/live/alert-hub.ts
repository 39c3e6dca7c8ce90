import type { EntityManager } from '@mikro-orm/postgresql';
import type { CommitNotice } from '../../live/commit-notice';
import type { FanoutListener } from '../../live/fanout-transport';
import type { Logger } from '../../observability/logger';
import { AlertSchema } from '../storage/alert.entity';
import { toAuditAlert } from '../storage/alert.type';
import { AlertSubscriber } from './alert-subscriber';

/**
 * This replica's `auditAlertRaised` subscribers, by tenant. Woken by the alert fan-out (a notice per
 * evaluation that raised alerts, on every replica), it reads the tenant's alerts after the last one
 * it pushed, so each subscriber gets every alert raised after it subscribed, once.
 */
export class AlertHub implements FanoutListener {
  private readonly subscribers = new Map<string, Set<AlertSubscriber>>();
  private readonly lastSerial = new Map<string, string>();
  private readonly reading = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();

  constructor(
    private readonly em: () => EntityManager,
    private readonly log: Logger,
  ) {}

  async subscribe(tenantId: string, minRank: number, expiresAtMs: number): Promise<AlertSubscriber> {
    if (!this.lastSerial.has(tenantId)) {
      const [latest] = await this.em().find(
        AlertSchema,
        { tenantId },
        { orderBy: { serial: 'desc' }, limit: 1, fields: ['serial'] },
      );
      if (!this.lastSerial.has(tenantId)) this.lastSerial.set(tenantId, latest ? String(latest.serial) : '0');
    }
    const subscriber = new AlertSubscriber(tenantId, minRank, expiresAtMs, (ended) => this.leave(ended));
    const tenantSubscribers = this.subscribers.get(tenantId) ?? new Set();
    tenantSubscribers.add(subscriber);
    this.subscribers.set(tenantId, tenantSubscribers);
    return subscriber;
  }

  /** Subscribers on this replica, all tenants together (the `audit_alert_subscriptions` gauge). */
  get subscriberCount(): number {
    let count = 0;
    for (const tenantSubscribers of this.subscribers.values()) count += tenantSubscribers.size;
    return count;
  }

  onNotice({ heads }: CommitNotice): void {
    const tenants = heads === 'all' ? [...this.subscribers.keys()] : [...heads.keys()];
    tenants.filter((tenant) => this.subscribers.has(tenant)).forEach((tenant) => this.read(tenant));
  }

  onResync(): void {
    [...this.subscribers.keys()].forEach((tenant) => this.read(tenant));
  }

  private read(tenantId: string): void {
    if (this.reading.has(tenantId)) return void this.again.add(tenantId);
    const reading = this.pushNew(tenantId)
      .catch((err) => this.log.error({ err, tenantId }, 'alerts: could not push raised alerts'))
      .finally(() => {
        this.reading.delete(tenantId);
        if (this.again.delete(tenantId)) this.read(tenantId);
      });
    this.reading.set(tenantId, reading);
  }

  private async pushNew(tenantId: string): Promise<void> {
    for (;;) {
      const after = this.lastSerial.get(tenantId) ?? '0';
      const alerts = await this.em().find(
        AlertSchema,
        { tenantId, serial: { $gt: after } },
        { orderBy: { serial: 'asc' }, limit: 500 },
      );
      for (const alert of alerts) {
        this.subscribers.get(tenantId)?.forEach((subscriber) => {
          if (alert.severityRank >= subscriber.minRank) subscriber.push(toAuditAlert(alert));
        });
        this.lastSerial.set(tenantId, String(alert.serial));
      }
      if (alerts.length < 500) return;
    }
  }

  private leave(subscriber: AlertSubscriber): void {
    const tenantSubscribers = this.subscribers.get(subscriber.tenantId);
    tenantSubscribers?.delete(subscriber);
    if (tenantSubscribers?.size === 0) {
      this.subscribers.delete(subscriber.tenantId);
      this.lastSerial.delete(subscriber.tenantId);
    }
  }
}
