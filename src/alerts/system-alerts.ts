import { randomUUID } from 'node:crypto';
import type { Knex } from '@mikro-orm/postgresql';
import { serviceKey } from '../core/context';
import { AlertGroupBy, type AlertSeverity } from './alert-enums';
import type { AlertEventRef } from './detectors/detection';
import type { AlertAnnouncer } from './evaluation/evaluate-tenant';
import { storeAlerts, type StoredAlert } from './evaluation/store-alerts';
import { ruleFromRow, type RuleRow } from './rules/rule-row';

/**
 * Rules of the service itself rather than of the tenant's events (a stream that cannot deliver): stored like
 * built-in rules so that their alerts are listed, subscribed to and acknowledged like any other, but kept out of
 * `alertRules` and never evaluated against the log (no detector has their key).
 */
export const SYSTEM_RULE_PREFIX = 'system:';

/** An alert another module raises about the service's own work. */
export interface SystemAlert {
  tenantId: string;
  /** Without the prefix, e.g. `stream-failing`. */
  ruleKey: string;
  ruleName: string;
  severity: AlertSeverity;
  /** Shown to every reader: it names no personal data. */
  summary: string;
  /** What the alert is about, e.g. `stream:<id>`. */
  groupKey: string;
  /** The same key raises one alert, however many replicas or attempts ask. */
  dedupeKey: string;
  /** At least one: the events the alert is about (a stream's first undelivered event). */
  events: AlertEventRef[];
}

export interface SystemAlertRaiser {
  /** @returns the alert stored, or null when one with the same dedupe key already was. */
  raise(alert: SystemAlert): Promise<StoredAlert | null>;
}

/** What the streams module (and any later one) raises its alerts through. */
export const SYSTEM_ALERTS = serviceKey<SystemAlertRaiser>('alerts.system');

async function systemRule(trx: Knex.Transaction, alert: SystemAlert) {
  const key = `${SYSTEM_RULE_PREFIX}${alert.ruleKey}`;
  await trx.raw(
    `INSERT INTO alert_rules (id, tenant_id, key, name, built_in, enabled, severity, threshold, window_seconds, group_by)
     VALUES (?, ?, ?, ?, true, true, ?, 1, 0, ?) ON CONFLICT (tenant_id, key) DO NOTHING`,
    [randomUUID(), alert.tenantId, key, alert.ruleName, alert.severity, AlertGroupBy.TENANT],
  );
  const row: RuleRow = await trx('alert_rules').where({ tenant_id: alert.tenantId, key }).first();
  return ruleFromRow(row);
}

/** Stores the alert with its events and webhook delivery, and announces it to every replica, in one transaction. */
export function systemAlertRaiser(knex: Knex, announce: AlertAnnouncer, raised: () => void): SystemAlertRaiser {
  return {
    async raise(alert) {
      const stored = await knex.transaction(async (trx) => {
        const rule = await systemRule(trx, alert);
        if (!rule.enabled) return null;
        const [created] = await storeAlerts(trx, alert.tenantId, [
          {
            rule,
            groupKey: alert.groupKey,
            actorId: null,
            summary: alert.summary,
            maskedSummary: alert.summary,
            events: alert.events,
            dedupeKey: alert.dedupeKey,
          },
        ]);
        if (created) await announce(trx, alert.tenantId, created.serial);
        return created ?? null;
      });
      if (stored) raised();
      return stored;
    },
  };
}
