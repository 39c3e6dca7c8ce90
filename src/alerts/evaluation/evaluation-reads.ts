import type { Knex } from '@mikro-orm/postgresql';
import { toDate } from '../../db/timestamps';
import type { AuditEvent } from '../../events/audit-event.type';
import { eventColumns, toAuditEvent, type AuditEventRow } from '../../events/event-row';
import type { AlertRuleEntity } from '../rules/alert-rule.entity';

/** The tenant's next events after the checkpoint, in sequence order. */
export async function readEventsAfter(
  trx: Knex.Transaction,
  tenantId: string,
  after: string,
  limit: number,
): Promise<AuditEvent[]> {
  const rows: AuditEventRow[] = await trx
    .select(eventColumns(trx))
    .from('audit_events as e')
    .where('e.tenant_id', tenantId)
    .whereRaw('e.sequence > ?', [after])
    .orderBy('e.sequence')
    .limit(limit);
  return rows.map(toAuditEvent);
}

interface RuleRow {
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
  settings: AlertRuleEntity['settings'];
  created_at: string;
  updated_at: string;
}

/** Read in the evaluation's transaction, so a rule changed meanwhile applies from the next step on. */
export async function readEnabledRules(trx: Knex.Transaction, tenantId: string): Promise<AlertRuleEntity[]> {
  const rows: RuleRow[] = await trx('alert_rules')
    .where({ tenant_id: tenantId, enabled: true })
    .whereNull('deleted_at')
    .orderBy('key');
  return rows.map((row) => ({
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
    settings: row.settings ?? {},
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    deletedAt: null,
  }));
}
