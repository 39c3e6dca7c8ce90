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
  /** Events may follow at once: evaluate again. */
  more: boolean;
}

interface CommitRow {
  from_sequence: string;
  to_sequence: string;
  actions: string[];
}

/**
 * The events after the checkpoint, about `limit` of them; null when there is none. Read from the
 * committed batches' records (`audit_commit_actions`): whole batches that follow the checkpoint
 * without a gap, at least one. Events with no such record (written before it existed) are read
 * themselves, up to the first recorded batch.
 */
export async function nextStep(
  trx: Knex.Transaction,
  tenantId: string,
  after: string,
  limit: number,
): Promise<EvaluationStep | null> {
  const { rows } = await trx.raw<{ rows: CommitRow[] }>(
    `SELECT from_sequence::text AS from_sequence, to_sequence::text AS to_sequence, actions FROM audit_commit_actions
     WHERE tenant_id = ? AND to_sequence > ? ORDER BY to_sequence LIMIT ?`,
    [tenantId, after, limit],
  );
  const start = BigInt(after);
  let to = start;
  const actions = new Set<string>();
  let taken = 0;
  for (const row of rows) {
    if (BigInt(row.from_sequence) !== to + 1n) break;
    if (taken > 0 && BigInt(row.to_sequence) - start > limit) break;
    to = BigInt(row.to_sequence);
    for (const action of row.actions) actions.add(action);
    taken++;
  }
  if (taken > 0) return { toSequence: to.toString(), count: Number(to - start), actions, more: taken < rows.length };
  // Unrecorded events before the first recorded batch, or a batch the checkpoint stopped inside of.
  const first = rows[0];
  const upTo =
    first && (BigInt(first.from_sequence) > start + 1n ? BigInt(first.from_sequence) - 1n : BigInt(first.to_sequence));
  return scanStep(trx, tenantId, after, limit, upTo);
}

/** The step as the events themselves give it, at most `limit` of them and none after `upTo`. */
async function scanStep(
  trx: Knex.Transaction,
  tenantId: string,
  after: string,
  limit: number,
  upTo: bigint | undefined,
): Promise<EvaluationStep | null> {
  const { rows } = await trx.raw(
    `SELECT max(sequence)::text AS to_sequence, count(*)::int AS count, array_agg(DISTINCT action) AS actions FROM (
       SELECT sequence, action FROM audit_events WHERE tenant_id = ? AND sequence > ? AND sequence <= ?
       ORDER BY sequence LIMIT ?
     ) step`,
    [tenantId, after, (upTo ?? BigInt(Number.MAX_SAFE_INTEGER)).toString(), limit],
  );
  const [row] = rows as Array<{ to_sequence: string | null; count: number; actions: string[] | null }>;
  return row.to_sequence === null
    ? null
    : {
        toSequence: row.to_sequence,
        count: row.count,
        actions: new Set(row.actions ?? []),
        more: row.count === limit || upTo !== undefined,
      };
}

/** Forgets the records of the batches the checkpoint has passed. */
export async function forgetEvaluatedCommits(
  trx: Knex.Transaction,
  tenantId: string,
  toSequence: string,
): Promise<void> {
  await trx.raw('DELETE FROM audit_commit_actions WHERE tenant_id = ? AND to_sequence <= ?', [tenantId, toSequence]);
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
