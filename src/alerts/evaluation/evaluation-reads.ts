import type { Knex } from '@mikro-orm/postgresql';
import type { SealedValues } from '../../core/sealed-values';
import type { AuditEvent } from '../../events/audit-event.type';
import { eventColumns, toAuditEvent, type AuditEventRow } from '../../events/event-row';
import type { AuditAction } from '../../events/enums';
import type { AlertRuleEntity } from '../rules/alert-rule.entity';
import { ruleFromRow, type RuleRow } from '../rules/rule-row';

/** The tenant's next evaluation step: its last sequence, how many events and which actions it holds. */
export interface EvaluationStep {
  toSequence: string;
  count: number;
  actions: ReadonlySet<string>;
}

/** At most `limit` events after the checkpoint; null when there is none. */
export async function nextStep(
  trx: Knex.Transaction,
  tenantId: string,
  after: string,
  limit: number,
): Promise<EvaluationStep | null> {
  const { rows } = await trx.raw(
    `SELECT max(sequence)::text AS to_sequence, count(*)::int AS count, array_agg(DISTINCT action) AS actions FROM (
       SELECT sequence, action FROM audit_events WHERE tenant_id = ? AND sequence > ? ORDER BY sequence LIMIT ?
     ) step`,
    [tenantId, after, limit],
  );
  const [row] = rows as Array<{ to_sequence: string | null; count: number; actions: string[] | null }>;
  return row.to_sequence === null
    ? null
    : { toSequence: row.to_sequence, count: row.count, actions: new Set(row.actions ?? []) };
}

/**
 * The step's events of these actions, in sequence order. Only the detectors that look at events
 * one by one read them, and only a few actions: the rest of the step (usually nearly all of it)
 * is never shipped out of PostgreSQL.
 */
export async function readStepEvents(
  trx: Knex.Transaction,
  sealed: SealedValues,
  tenantId: string,
  step: { fromSequence: string; toSequence: string },
  actions: readonly AuditAction[],
): Promise<AuditEvent[]> {
  if (actions.length === 0) return [];
  const rows: AuditEventRow[] = await trx
    .select(eventColumns(trx))
    .from('audit_events as e')
    .where('e.tenant_id', tenantId)
    .whereRaw('e.sequence > ? AND e.sequence <= ?', [step.fromSequence, step.toSequence])
    .whereIn('e.action', [...actions])
    .orderBy('e.sequence');
  return (await sealed.open(trx, rows)).map(toAuditEvent);
}

/** Read in the evaluation's transaction, so a rule changed meanwhile applies from the next step on. */
export async function readEnabledRules(trx: Knex.Transaction, tenantId: string): Promise<AlertRuleEntity[]> {
  const rows: RuleRow[] = await trx('alert_rules')
    .where({ tenant_id: tenantId, enabled: true })
    .whereNull('deleted_at')
    .orderBy('key');
  return rows.map(ruleFromRow);
}
