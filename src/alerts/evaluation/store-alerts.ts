import { randomUUID } from 'node:crypto';
import type { Knex } from '@mikro-orm/postgresql';
import { SEVERITY_RANK } from '../alert-enums';
import type { AlertCandidate } from '../detectors/detection';
import { webhookPayload } from '../webhooks/webhook-payload';

export interface StoredAlert {
  id: string;
  serial: string;
  tenantId: string;
  candidate: AlertCandidate;
}

/** True when an alert of the same rule and group already covers a window overlapping the candidate's. */
async function alreadyCovered(trx: Knex.Transaction, tenantId: string, candidate: AlertCandidate): Promise<boolean> {
  if (candidate.coalesceSeconds === undefined) return false;
  const first = candidate.events[0].occurredAt;
  const last = candidate.events.at(-1)!.occurredAt;
  const { rows } = await trx.raw(
    `SELECT 1 FROM alerts WHERE tenant_id = ? AND rule_id = ? AND group_key = ?
       AND window_end >= ?::timestamptz - make_interval(secs => ?) AND window_start <= ?::timestamptz + make_interval(secs => ?)
     LIMIT 1`,
    [
      tenantId,
      candidate.rule.id,
      candidate.groupKey,
      first,
      candidate.coalesceSeconds,
      last,
      candidate.coalesceSeconds,
    ],
  );
  return rows.length > 0;
}

/** Stores the candidates not raised before, with their events and webhook deliveries, in the evaluation's transaction. */
export async function storeAlerts(
  trx: Knex.Transaction,
  tenantId: string,
  candidates: AlertCandidate[],
): Promise<StoredAlert[]> {
  const stored: StoredAlert[] = [];
  for (const candidate of candidates) {
    if (await alreadyCovered(trx, tenantId, candidate)) continue;
    const events = [...candidate.events].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
    const { rows } = await trx.raw(
      `INSERT INTO alerts (id, tenant_id, rule_id, severity, severity_rank, raised_at, actor_id, group_key, summary,
         masked_summary, window_start, window_end, dedupe_key)
       VALUES (?, ?, ?, ?, ?, clock_timestamp(), ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, rule_id, dedupe_key) DO NOTHING RETURNING id, serial, raised_at`,
      [
        randomUUID(),
        tenantId,
        candidate.rule.id,
        candidate.rule.severity,
        SEVERITY_RANK[candidate.rule.severity],
        candidate.actorId,
        candidate.groupKey,
        candidate.summary.slice(0, 1000),
        candidate.maskedSummary.slice(0, 1000),
        events[0].occurredAt,
        events.at(-1)!.occurredAt,
        candidate.dedupeKey,
      ],
    );
    const row = rows[0] as { id: string; serial: string; raised_at: string } | undefined;
    if (!row) continue;
    await trx.raw(
      `INSERT INTO alert_events (tenant_id, alert_id, event_id, occurred_at, sequence)
       SELECT ?, ?, * FROM unnest(?::uuid[], ?::timestamptz[], ?::bigint[]) ON CONFLICT DO NOTHING`,
      [tenantId, row.id, events.map((e) => e.id), events.map((e) => e.occurredAt), events.map((e) => e.sequence)],
    );
    const alert: StoredAlert = { id: row.id, serial: String(row.serial), tenantId, candidate };
    if (candidate.rule.webhookUrl)
      await trx('alert_webhook_deliveries').insert({
        id: randomUUID(),
        alert_id: row.id,
        tenant_id: tenantId,
        url: candidate.rule.webhookUrl,
        payload: webhookPayload(alert, row.raised_at),
      });
    stored.push(alert);
  }
  return stored;
}
