import { AlertSubscriptionResolver } from './live/alert-subscription.resolver';
import { AlertRulesResolver } from './rules/alert-rules.resolver';
import { AlertsResolver } from './storage/alerts.resolver';

/** Registered in src/schema/build-schema.ts. */
export const alertResolvers = [AlertRulesResolver, AlertsResolver, AlertSubscriptionResolver] as const;

/** Guarded in src/auth/permissions.ts: every field is for admins. */
export const ALERT_QUERY_FIELDS = ['alerts', 'alertRules'] as const;
export const ALERT_MUTATION_FIELDS = [
  'createAlertRule',
  'updateAlertRule',
  'setAlertRuleEnabled',
  'deleteAlertRule',
  'acknowledgeAlert',
  'resolveAlert',
] as const;
export const ALERT_SUBSCRIPTION_FIELDS = ['auditAlertRaised'] as const;
/** Reachable only through those fields, so their own fields are open. */
export const ALERT_RESULT_TYPES = [
  'AuditAlert',
  'AuditAlertConnection',
  'AuditAlertEdge',
  'AlertRule',
  'BusinessHours',
  'AlertWebhookDelivery',
] as const;
