import { toDate } from '../../db/timestamps';
import type { AlertCandidate } from '../detectors/detection';

/**
 * The JSON POSTed for an alert: what a receiver needs to act without calling back. Its summary is
 * the masked one when the rule's last editor could not read personal data.
 */
export function webhookPayload(
  { id, tenantId, candidate }: { id: string; tenantId: string; candidate: AlertCandidate },
  raisedAt: string | Date,
): string {
  return JSON.stringify({
    type: 'audit.alert.raised',
    alert: {
      id,
      tenantId,
      rule: { id: candidate.rule.id, key: candidate.rule.key, name: candidate.rule.name },
      severity: candidate.rule.severity,
      status: 'OPEN',
      raisedAt: toDate(raisedAt).toISOString(),
      actorId: candidate.actorId,
      summary: candidate.rule.maskPersonalData ? candidate.maskedSummary : candidate.summary,
      events: candidate.events.map((event) => ({
        id: event.id,
        sequence: event.sequence,
        occurredAt: event.occurredAt.toISOString(),
      })),
    },
  });
}
