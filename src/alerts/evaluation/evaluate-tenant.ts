import type { Knex } from '@mikro-orm/postgresql';
import type { SealedValues } from '../../core/sealed-values';
import type { Logger } from '../../observability/logger';
import type { AlertCandidate, Detection, Detector } from '../detectors/detection';
import type { AlertRuleEntity } from '../rules/alert-rule.entity';
import { actionsReadBy, detectorFor } from '../detectors/detector-for-rule';
import type { GeoLocator } from '../detectors/geo-locator';
import { ensureBuiltInRules } from '../rules/alert-rule.repository';
import { forgetEvaluatedCommits, nextStep, readEnabledRules, readStepEvents } from './evaluation-reads';
import { storeAlerts, type StoredAlert } from './store-alerts';

/** Told inside the evaluation's transaction, so that the notice leaves at its commit or never. */
export type AlertAnnouncer = (trx: Knex.Transaction, tenantId: string, lastSerial: string) => Promise<void>;

export interface EvaluationDeps {
  knex: Knex;
  sealed: SealedValues;
  geo: GeoLocator | null;
  batchSize: number;
  announce?: AlertAnnouncer;
  log: Logger;
}

/** `busy`: another replica holds the tenant; `more`: a full batch was evaluated and more may follow. */
export type EvaluationOutcome =
  | { status: 'busy' | 'idle' }
  | { status: 'done' | 'more'; alerts: StoredAlert[]; evaluated: number; customRules: boolean };

/** The checkpoint's row, locked until commit; null when another replica holds it. */
async function lockCheckpoint(trx: Knex.Transaction, tenantId: string): Promise<string | null> {
  const { rows } = await trx.raw(
    'SELECT last_sequence FROM alert_checkpoints WHERE tenant_id = ? FOR UPDATE SKIP LOCKED',
    [tenantId],
  );
  if (rows.length > 0) return String(rows[0].last_sequence);
  // Absent, or locked: an insert tells which (a row inserted here is ours until commit).
  const inserted = await trx.raw(
    'INSERT INTO alert_checkpoints (tenant_id) VALUES (?) ON CONFLICT DO NOTHING RETURNING last_sequence',
    [tenantId],
  );
  return inserted.rows.length > 0 ? String(inserted.rows[0].last_sequence) : null;
}

/**
 * Evaluates the tenant's next batch of events after its checkpoint, stores the alerts they raise and
 * advances the checkpoint, all in one transaction: each alert is raised once, whichever replica
 * evaluates, and a crash before the commit leaves the batch to be evaluated again.
 */
export async function evaluateTenant(tenantId: string, deps: EvaluationDeps): Promise<EvaluationOutcome> {
  return deps.knex.transaction(async (trx) => {
    const checkpoint = await lockCheckpoint(trx, tenantId);
    if (checkpoint === null) return { status: 'busy' };
    const step = await nextStep(trx, tenantId, checkpoint, deps.batchSize);
    if (step === null) return { status: 'idle' };
    const { toSequence, count } = step;
    await ensureBuiltInRules(trx, tenantId);
    const enabledRules = await readEnabledRules(trx, tenantId);
    const customRules = enabledRules.some((rule) => !rule.builtIn);
    const rules = enabledRules
      .map((rule) => ({ rule, detect: detectorFor(rule, step.actions) }))
      .filter((active): active is { rule: AlertRuleEntity; detect: Detector } => active.detect !== null);
    const range = { fromSequence: checkpoint, toSequence };
    const newEvents = await readStepEvents(
      trx,
      deps.sealed,
      tenantId,
      range,
      actionsReadBy(rules.map(({ rule }) => rule)),
    );
    const detection: Detection = { trx, sealed: deps.sealed, tenantId, ...range, newEvents, geo: deps.geo };
    const candidates: AlertCandidate[] = [];
    for (const { rule, detect } of rules) candidates.push(...(await detect(rule, detection)));
    const alerts = await storeAlerts(trx, tenantId, candidates);
    await trx.raw(
      'UPDATE alert_checkpoints SET last_sequence = ?, evaluated_at = clock_timestamp() WHERE tenant_id = ?',
      [toSequence, tenantId],
    );
    await forgetEvaluatedCommits(trx, tenantId, toSequence);
    if (alerts.length > 0) await deps.announce?.(trx, tenantId, alerts.at(-1)!.serial);
    return { status: step.more ? 'more' : 'done', alerts, evaluated: count, customRules };
  });
}
