import type { Knex } from '@mikro-orm/postgresql';
import type { BlindIndex } from '../../core/sealed-values';
import type { AuditEvent } from '../../events/audit-event.type';
import type { AlertRuleEntity } from '../rules/alert-rule.entity';
import type { GeoLocator } from './geo-locator';

/** An event as an alert keeps it. */
export interface AlertEventRef {
  id: string;
  occurredAt: Date;
  sequence: string;
}

/** An alert a detector would raise; the evaluation drops those already raised. */
export interface AlertCandidate {
  rule: AlertRuleEntity;
  /** `actor:<id>`, `ip:<address>`, `entity:<type>:<id>` or `tenant`. */
  groupKey: string;
  actorId: string | null;
  summary: string;
  /** The summary for readers without READ_PERSONAL_DATA: actors by id, no address, place or email. */
  maskedSummary: string;
  events: AlertEventRef[];
  /** Unique per rule: the same candidate found again is stored once. */
  dedupeKey: string;
  /** Windowed rules: an alert of the same rule and group within this many seconds already covers it. */
  coalesceSeconds?: number;
}

/**
 * One evaluation step: the tenant's events in (fromSequence, toSequence]. `newEvents` holds, in
 * sequence order, only those of the actions a per-event detector reads (`actionsReadBy`).
 */
export interface Detection {
  trx: Knex.Transaction;
  /** How the custom rules' `user:` and `ip:` terms match sealed values. */
  sealed: BlindIndex;
  tenantId: string;
  fromSequence: string;
  toSequence: string;
  newEvents: AuditEvent[];
  geo: GeoLocator | null;
}

export type Detector = (rule: AlertRuleEntity, detection: Detection) => Promise<AlertCandidate[]>;

export const refOf = (event: Pick<AuditEvent, 'id' | 'occurredAt' | 'sequence'>): AlertEventRef => ({
  id: event.id,
  occurredAt: event.occurredAt,
  sequence: event.sequence,
});

/** The actor as a summary names it: by email when it has one, by id when personal data is masked. */
export const describeActor = (event: Pick<AuditEvent, 'actor'>, masked: boolean): string =>
  (masked ? null : event.actor.email) ?? event.actor.id;

/** Both summaries of a candidate, from one sentence that knows whether it is masked. */
export function summariesOf(say: (masked: boolean) => string): Pick<AlertCandidate, 'summary' | 'maskedSummary'> {
  return { summary: say(false), maskedSummary: say(true) };
}
