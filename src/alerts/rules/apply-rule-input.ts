import { keepStoredCredentials } from '../../net/outbound-url';
import type { AlertRuleEntity } from './alert-rule.entity';
import type { CheckedRuleInput } from './rule-validation';

/** Built-in rules keep their match and grouping; their other values are the tenant's tuning. */
export function applyRuleInput(rule: AlertRuleEntity, input: CheckedRuleInput): void {
  rule.name = input.name;
  rule.severity = input.severity;
  rule.enabled = input.enabled;
  rule.threshold = input.threshold;
  rule.windowSeconds = input.windowSeconds;
  rule.webhookUrl = keepStoredCredentials(input.webhookUrl, rule.webhookUrl);
  if (!rule.builtIn) {
    rule.match = input.match;
    rule.groupBy = input.groupBy;
  }
  if (rule.key === 'off-hours-access' && input.businessHours)
    rule.settings = { ...rule.settings, businessHours: input.businessHours };
  rule.updatedAt = new Date();
}
