import { BadUserInputError } from '../../errors';
import { AlertStatus } from '../alert-enums';
import type { AlertEntity } from './alert.entity';

const MAX_NOTE_CHARS = 2000;

/** What a CONFIG_CHANGE event shows of an alert, before and after. */
export function alertSnapshot(alert: AlertEntity): Record<string, unknown> {
  return { status: alert.status, note: alert.note };
}

/**
 * Moves the alert to `status` with the caller's note. A resolved alert stays resolved.
 * @throws BadUserInputError for a resolved alert or an overlong note.
 */
export function changeAlertStatus(
  alert: AlertEntity,
  status: AlertStatus.ACKNOWLEDGED | AlertStatus.RESOLVED,
  by: string,
  note?: string | null,
): void {
  if (note && note.length > MAX_NOTE_CHARS)
    throw new BadUserInputError('note', `must be at most ${MAX_NOTE_CHARS} characters`);
  if (alert.status === AlertStatus.RESOLVED)
    throw new BadUserInputError('id', 'names an alert that is already resolved');
  const now = new Date();
  alert.status = status;
  alert.note = note?.trim() || null;
  if (status === AlertStatus.ACKNOWLEDGED) {
    alert.acknowledgedAt = now;
    alert.acknowledgedBy = by;
  } else {
    alert.resolvedAt = now;
    alert.resolvedBy = by;
  }
}
