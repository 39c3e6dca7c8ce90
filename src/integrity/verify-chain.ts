import type { Knex } from '@mikro-orm/postgresql';
import { canonicalContent } from '../events/canonical-content';
import { chainHash, contentDigest, GENESIS_HASH } from '../events/event-hash';
import { eventColumns, toAuditEvent, type AuditEventRow } from '../events/event-row';
import { normalizeIpAddress } from '../ip-address';
import type { IntegrityReport } from './integrity-report.type';

const CHUNK = 5000;

type HashedRow = AuditEventRow & { hash: Buffer };

/**
 * Re-walks a tenant's chain over the events recorded between `from` and `to` (recordedAt,
 * which rises with sequence): each event's hash must cover its content and its predecessor's
 * hash, no sequence may be missing, and a walk that reaches the end must meet the stored head.
 */
export async function verifyChain(knex: Knex, tenantId: string, from?: Date, to?: Date): Promise<IntegrityReport> {
  const head = await knex('audit_log_heads').first('last_sequence', 'last_hash').where('tenant_id', tenantId);
  if (!head) return { ok: true, eventsChecked: 0, firstBrokenSequence: null };
  const lastSequence = BigInt(head.last_sequence);
  const start = from ? await boundary(knex, tenantId, 'first', from) : 1n;
  const end = to ? await boundary(knex, tenantId, 'last', to) : lastSequence;
  if (start === null || end === null || start > end) return { ok: true, eventsChecked: 0, firstBrokenSequence: null };

  let previousHash = GENESIS_HASH;
  if (start > 1n) {
    const previous = await knex('audit_events')
      .first('hash')
      .where({ tenant_id: tenantId, sequence: (start - 1n).toString() });
    if (!previous) return broken(0, start - 1n);
    previousHash = previous.hash.toString('hex');
  }
  let expected = start;
  let checked = 0;
  while (expected <= end) {
    const rows: HashedRow[] = await knex
      .select(eventColumns(knex), 'e.hash')
      .from('audit_events as e')
      .where('e.tenant_id', tenantId)
      .whereBetween('e.sequence', [expected.toString(), end.toString()])
      .orderBy('e.sequence')
      .limit(CHUNK);
    if (rows.length === 0) return broken(checked, expected);
    for (const row of rows) {
      if (BigInt(row.sequence) !== expected) return broken(checked, expected);
      const event = toAuditEvent(row);
      event.ipAddress = row.ip_address === null ? null : normalizeIpAddress(row.ip_address);
      // The same bytes as the writer hashed: canonical JSON undoes jsonb's reordering and respelling.
      const position = {
        sequence: event.sequence,
        id: event.id,
        occurredAt: event.occurredAt.toISOString(),
        recordedAt: event.recordedAt.toISOString(),
      };
      const hash = chainHash(previousHash, position, contentDigest(canonicalContent(event).text));
      if (hash !== row.hash.toString('hex')) return broken(checked, expected);
      previousHash = hash;
      checked += 1;
      expected += 1n;
    }
  }
  if (end === lastSequence && previousHash !== head.last_hash.toString('hex')) return broken(checked, end);
  return { ok: true, eventsChecked: checked, firstBrokenSequence: null };
}

function broken(eventsChecked: number, sequence: bigint): IntegrityReport {
  return { ok: false, eventsChecked, firstBrokenSequence: sequence.toString() };
}

async function boundary(knex: Knex, tenantId: string, side: 'first' | 'last', at: Date): Promise<bigint | null> {
  const row = await knex('audit_events')
    .first('sequence')
    .where('tenant_id', tenantId)
    .where('recorded_at', side === 'first' ? '>=' : '<=', at)
    .orderBy('sequence', side === 'first' ? 'asc' : 'desc');
  return row ? BigInt(row.sequence) : null;
}
