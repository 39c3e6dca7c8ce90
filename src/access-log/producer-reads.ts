import { createHash } from 'node:crypto';
import type { Knex } from '@mikro-orm/postgresql';
import type { CoalescedReads, ProducerRead, ProducerReads } from '../events/access-note';
import { AuditAction } from '../events/enums';
import type { PersonalFieldSource } from '../events/redaction';
import { PERSON_ENTITY_TYPE } from '../core/sealed-values';

const COALESCED_ACTIONS = new Set<string>([AuditAction.VIEW, AuditAction.REPORT_RUN]);

interface Window {
  read: ProducerRead;
  windowStart: Date;
  targetKey: string;
  reads: number;
  firstAt: Date;
  lastAt: Date;
}

/**
 * Coalesces producers' VIEW and REPORT_RUN events of personal records: records of `User` (people)
 * and of the entity types in which the tenant marked a field personal. Each read's id is claimed
 * in the batch's transaction (a read sent again is a duplicate, not a second count) and the read
 * is added to its actor's window on the record — windows of `windowSeconds` by `occurredAt`,
 * aligned on the epoch — which the access log turns into one event when the window closes.
 */
export class CoalescedProducerReads implements ProducerReads {
  constructor(
    private readonly windowSeconds: number,
    private readonly personalFields: () => PersonalFieldSource,
  ) {}

  async coalesce<E extends ProducerRead>(trx: Knex.Transaction, events: E[]): Promise<CoalescedReads<E>> {
    const candidates = events.filter(
      (event) => COALESCED_ACTIONS.has(event.action) && event.entityType !== null && event.entityId !== null,
    );
    if (candidates.length === 0) return { rest: events, counted: 0, resent: 0 };
    const marked = new Map<string, Promise<ReadonlySet<string>>>();
    const markedTypes = (tenantId: string) => {
      let types = marked.get(tenantId);
      if (!types)
        marked.set(
          tenantId,
          (types = this.personalFields()
            .of(tenantId, trx)
            .then((fields) => new Set([...fields.keys(), PERSON_ENTITY_TYPE]))),
        );
      return types;
    };
    const coalesced = new Set<E>();
    for (const event of candidates)
      if ((await markedTypes(event.tenantId)).has(event.entityType!)) coalesced.add(event);
    if (coalesced.size === 0) return { rest: events, counted: 0, resent: 0 };

    const reads = [...coalesced];
    const { rows } = await trx.raw<{ rows: Array<{ tenant_id: string; id: string }> }>(
      `INSERT INTO access_read_claims (tenant_id, id, occurred_at)
       SELECT * FROM unnest(?::text[], ?::uuid[], ?::timestamptz[]) ORDER BY 1, 2
       ON CONFLICT DO NOTHING RETURNING tenant_id, id`,
      [reads.map((read) => read.tenantId), reads.map((read) => read.id), reads.map((read) => read.occurredAt)],
    );
    const claimed = new Set(rows.map((row) => `${row.tenant_id}\u0000${row.id}`));
    const windows = new Map<string, Window>();
    let counted = 0;
    for (const read of reads) {
      if (!claimed.has(`${read.tenantId}\u0000${read.id}`)) continue;
      // The same id twice in one batch is claimed once.
      claimed.delete(`${read.tenantId}\u0000${read.id}`);
      counted += 1;
      const window = this.windowOf(read);
      const key = `${read.tenantId}\u0000${read.actor.id}\u0000${window.targetKey}\u0000${window.windowStart.getTime()}`;
      const known = windows.get(key);
      if (!known) windows.set(key, window);
      else {
        known.reads += 1;
        if (read.occurredAt < known.firstAt) known.firstAt = read.occurredAt;
        if (read.occurredAt > known.lastAt) known.lastAt = read.occurredAt;
      }
    }
    if (windows.size > 0) await this.add(trx, [...windows.values()]);
    return { rest: events.filter((event) => !coalesced.has(event)), counted, resent: reads.length - counted };
  }

  private windowOf(read: ProducerRead): Window {
    const windowMs = this.windowSeconds * 1000;
    return {
      read,
      windowStart: new Date(Math.floor(read.occurredAt.getTime() / windowMs) * windowMs),
      targetKey: createHash('sha256')
        .update(JSON.stringify([read.action, read.entityType, read.entityId]))
        .digest('base64url'),
      reads: 1,
      firstAt: read.occurredAt,
      lastAt: read.occurredAt,
    };
  }

  private async add(trx: Knex.Transaction, windows: Window[]): Promise<void> {
    // In key order: two batches adding to the same windows cannot deadlock.
    const sorted = windows.sort((a, b) =>
      [a.read.tenantId, a.read.actor.id, a.targetKey, a.windowStart.getTime()].join('\u0000') <
      [b.read.tenantId, b.read.actor.id, b.targetKey, b.windowStart.getTime()].join('\u0000')
        ? -1
        : 1,
    );
    await trx('access_windows')
      .insert(
        sorted.map(({ read, windowStart, targetKey, reads, firstAt, lastAt }) => ({
          tenant_id: read.tenantId,
          actor_id: read.actor.id,
          target_key: targetKey,
          window_start: windowStart,
          target: `${read.entityType}/${read.entityId}`,
          field: read.action,
          actor_email: read.actor.email,
          actor_role: read.actor.role,
          reads,
          first_at: firstAt,
          last_at: lastAt,
          action: read.action,
          entity_type: read.entityType,
          entity_id: read.entityId,
          source: read.source,
          actor_type: read.actor.type,
        })),
      )
      .onConflict(['tenant_id', 'actor_id', 'target_key', 'window_start'])
      .merge({
        reads: trx.raw('access_windows.reads + excluded.reads'),
        first_at: trx.raw('least(access_windows.first_at, excluded.first_at)'),
        last_at: trx.raw('greatest(access_windows.last_at, excluded.last_at)'),
      });
  }
}
