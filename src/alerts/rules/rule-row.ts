import { toDate } from '../../db/timestamps';
import type { AlertRuleEntity } from './alert-rule.entity';

/** A row of `alert_rules` as knex returns it, for the reads that bypass MikroORM. */
export interface RuleRow {
  id: string;
  tenant_id: string;
  key: string;
  name: string;
  built_in: boolean;
  enabled: boolean;
  severity: AlertRuleEntity['severity'];
  match: string | null;
  threshold: number;
  window_seconds: number;
  group_by: AlertRuleEntity['groupBy'];
  webhook_url: string | null;
  mask_personal_data: boolean;
  settings: AlertRuleEntity['settings'] | null;
  created_at: string | Date;
  updated_at: string | Date;
  deleted_at: string | Date | null;
}

export function ruleFromRow(row: RuleRow): AlertRuleEntity {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    key: row.key,
    name: row.name,
    builtIn: row.built_in,
    enabled: row.enabled,
    severity: row.severity,
    match: row.match,
    threshold: row.threshold,
    windowSeconds: row.window_seconds,
    groupBy: row.group_by,
    webhookUrl: row.webhook_url,
    maskPersonalData: row.mask_personal_data,
    settings: row.settings ?? {},
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    deletedAt: row.deleted_at === null ? null : toDate(row.deleted_at),
  };
}
