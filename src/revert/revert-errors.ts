import { AuditError, ErrorCode } from '../errors';

/** Why a revert did not happen; nothing was recorded. `extensions.reason` details it for clients. */
export function revertError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): AuditError {
  return new AuditError(code, message, extra);
}

export interface LaterChange {
  field: string;
  eventId: string;
  occurredAt: Date;
  actorId: string;
}

/** The fields changed again after the event: reverting them would overwrite newer work. */
export function changedSinceError(later: LaterChange[]): AuditError {
  const fields = [...new Set(later.map((change) => change.field))];
  return revertError(
    ErrorCode.Conflict,
    `${fields.join(', ')} changed again since this event; pass force: true to revert anyway`,
    {
      reason: 'CHANGED_SINCE',
      fields,
      laterEvents: later.map((change) => ({ ...change, occurredAt: change.occurredAt.toISOString() })),
    },
  );
}
