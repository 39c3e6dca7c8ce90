import type { Knex } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { loaderKey } from '../../core/context';
import { SEALED_VALUES, type SealedValues } from '../../core/sealed-values';
import type { AuditEvent } from '../../events/audit-event.type';
import { eventColumns, toAuditEvent, type AuditEventRow } from '../../events/event-row';
import type { AlertRuleEntity } from '../rules/alert-rule.entity';
import { ruleFromRow, type RuleRow } from '../rules/rule-row';
import { toWebhookDelivery, type AlertWebhookDelivery, type DeliveryRow } from '../webhooks/webhook-delivery.type';

/** What the fields of a page of alerts read, one SQL statement per field whatever the number of alerts. */
export interface AlertLoaders {
  /** By rule id; deleted rules too (their alerts still name them). */
  rules: DataLoader<string, AlertRuleEntity | null>;
  /** By alert id: the events that raised it, in log order. */
  events: DataLoader<string, AuditEvent[]>;
  /** By alert id: its webhook delivery, or null when its rule had no webhook. */
  deliveries: DataLoader<string, AlertWebhookDelivery | null>;
}

/**
 * Batches without caching: a subscription keeps its context for hours, and a cached rule would keep its old name
 * there. Repeated keys within one batch are read once all the same.
 */
const BATCH_ONLY = { cache: false, maxBatchSize: 1000 } as const;

const distinct = (keys: readonly string[]) => [...new Set(keys)];

/** One per request (or subscription), for the caller's tenant. */
export function createAlertLoaders(knex: Knex, sealed: SealedValues, tenantId: string): AlertLoaders {
  return {
    rules: new DataLoader(async (ids) => {
      const rows: RuleRow[] = await knex('alert_rules').where('tenant_id', tenantId).whereIn('id', distinct(ids));
      const byId = new Map(rows.map((row) => [row.id, ruleFromRow(row)]));
      return ids.map((id) => byId.get(id) ?? null);
    }, BATCH_ONLY),

    events: new DataLoader(async (alertIds) => {
      // The stored occurred_at lets PostgreSQL open only the partitions that hold the events.
      const rows: Array<AuditEventRow & { alert_id: string }> = await knex
        .select('ae.alert_id', eventColumns(knex))
        .from('alert_events as ae')
        .join('audit_events as e', (join) =>
          join.on('e.tenant_id', 'ae.tenant_id').andOn('e.occurred_at', 'ae.occurred_at').andOn('e.id', 'ae.event_id'),
        )
        .where('ae.tenant_id', tenantId)
        .whereIn('ae.alert_id', distinct(alertIds))
        .orderBy('e.sequence');
      await sealed.open(knex, rows);
      const byAlert = new Map<string, AuditEvent[]>();
      for (const row of rows) {
        const events = byAlert.get(row.alert_id) ?? [];
        events.push(toAuditEvent(row));
        byAlert.set(row.alert_id, events);
      }
      return alertIds.map((id) => byAlert.get(id) ?? []);
    }, BATCH_ONLY),

    deliveries: new DataLoader(async (alertIds) => {
      const rows: DeliveryRow[] = await knex('alert_webhook_deliveries')
        .select('alert_id', 'attempts', 'last_status', 'last_error', 'next_attempt_at', 'delivered_at', 'failed_at')
        .where('tenant_id', tenantId)
        .whereIn('alert_id', distinct(alertIds));
      const byAlert = new Map(rows.map((row) => [row.alert_id, toWebhookDelivery(row)]));
      return alertIds.map((id) => byAlert.get(id) ?? null);
    }, BATCH_ONLY),
  };
}

/** The request's alert loaders. */
export const ALERT_LOADERS = loaderKey('alerts', (services, principal) =>
  createAlertLoaders(services.reads, services.get(SEALED_VALUES), principal.tenantId),
);
