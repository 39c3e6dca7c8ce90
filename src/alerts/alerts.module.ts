import { AuditPermission } from '../auth/permissions';
import { can } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { alertSettings } from './alerts-config';
import { startAlerts } from './alerts-runtime';
import { AlertSubscriptionResolver } from './live/alert-subscription.resolver';
import { Migration20261122110000Alerts } from './migrations/Migration20261122110000_alerts';
import { Migration20261123100000WebhookDeliveryFailures } from './migrations/Migration20261123100000_webhook_delivery_failures';
import { Migration20261201000000TenantLeadingKeysAlerts } from './migrations/Migration20261201000000_tenant_leading_keys_alerts';
import { Migration20261202130000AlertMasking } from './migrations/Migration20261202130000_alert_masking';
import { AlertRulesResolver } from './rules/alert-rules.resolver';
import { AlertRuleSchema } from './rules/alert-rule.entity';
import { AlertSchema } from './storage/alert.entity';
import { resolveAuditAlertReference } from './storage/alert.reference';
import { AlertsResolver } from './storage/alerts.resolver';

/** Detection rules, the alerts they raise, their live feed and webhooks. */
export const alertsModule: AuditModule = {
  name: 'alerts',
  resolvers: [AlertRulesResolver, AlertsResolver, AlertSubscriptionResolver],
  references: { AuditAlert: resolveAuditAlertReference },
  rules: {
    Query: { alerts: can(AuditPermission.READ_ALERTS), alertRules: can(AuditPermission.READ_ALERTS) },
    // Acknowledging or resolving changes an alert: not for read-only roles.
    Mutation: {
      createAlertRule: can(AuditPermission.MANAGE_ALERTS),
      updateAlertRule: can(AuditPermission.MANAGE_ALERTS),
      setAlertRuleEnabled: can(AuditPermission.MANAGE_ALERTS),
      deleteAlertRule: can(AuditPermission.MANAGE_ALERTS),
      acknowledgeAlert: can(AuditPermission.MANAGE_ALERTS),
      resolveAlert: can(AuditPermission.MANAGE_ALERTS),
    },
    Subscription: { auditAlertRaised: can(AuditPermission.READ_ALERTS) },
  },
  openTypes: [
    'AuditAlert',
    'AuditAlertConnection',
    'AuditAlertEdge',
    'AlertRule',
    'AlertBusinessHours',
    'AlertWebhookDelivery',
  ],
  entities: [AlertRuleSchema, AlertSchema],
  migrations: [
    { name: 'Migration20261122110000_alerts', class: Migration20261122110000Alerts },
    {
      name: 'Migration20261123100000_webhook_delivery_failures',
      class: Migration20261123100000WebhookDeliveryFailures,
    },
    {
      name: 'Migration20261201000000_tenant_leading_keys_alerts',
      class: Migration20261201000000TenantLeadingKeysAlerts,
    },
    { name: 'Migration20261202130000_alert_masking', class: Migration20261202130000AlertMasking },
  ],
  settings: alertSettings,
  start: startAlerts,
};
