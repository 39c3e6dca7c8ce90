import type { Knex } from '@mikro-orm/postgresql';
import type { NewEvent } from './new-event';
import type { SequencedEvent } from './sequencing';

// Each statement gets the whole batch as ONE jsonb parameter passed as a string: `pg` sends a
// string as it is, where two dozen arrays would be escaped element by element in JavaScript.
// PostgreSQL, which has CPU to spare on the write path, takes the columns apart.

/**
 * Inserts the ids in a fixed order (so concurrent batches cannot deadlock); returns those that were
 * already stored (usually none: the answer stays small).
 */
export async function claimIds(trx: Knex.Transaction, events: NewEvent[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const keys = events.map((event) => ({
    id: event.id,
    tenant_id: event.tenantId,
    occurred_at: event.occurredAt,
    fingerprint: event.fingerprint,
  }));
  const { rows } = await trx.raw(
    `WITH batch AS (
       SELECT * FROM jsonb_to_recordset(?::jsonb) AS v(id uuid, tenant_id text, occurred_at timestamptz, fingerprint text)
     ), claimed AS (
       INSERT INTO audit_event_keys (id, tenant_id, occurred_at, fingerprint)
       SELECT id, tenant_id, occurred_at, decode(fingerprint, 'hex') FROM batch ORDER BY id
       ON CONFLICT (id) DO NOTHING RETURNING id
     )
     SELECT id FROM batch WHERE id NOT IN (SELECT id FROM claimed)`,
    [JSON.stringify(keys)],
  );
  return new Set(rows.map((row: { id: string }) => row.id));
}

/**
 * Inserts sequenced events. Their content goes as the canonical JSON that was hashed (serialised
 * once per event, not again here); `changed_fields` is derived from it in SQL.
 */
export async function insertEvents(trx: Knex.Transaction, events: SequencedEvent[]): Promise<void> {
  if (events.length === 0) return;
  let rows = '';
  for (const { event, sequence, recordedAt, hash } of events)
    rows +=
      `${rows ? ',' : ''}{"content":${event.content},"sequence":${sequence},"id":${JSON.stringify(event.id)},` +
      `"occurred_at":"${event.occurredAt.toISOString()}","recorded_at":"${recordedAt.toISOString()}",` +
      `"category":"${event.category}","hash":"${hash}"}`;
  await trx.raw(
    `INSERT INTO audit_events (tenant_id, sequence, id, occurred_at, recorded_at, actor_id, actor_email, actor_role,
       actor_type, impersonator_id, action, category, entity_type, entity_id, changes, changed_fields, source,
       ip_address, user_agent, session_id, location, metadata, hash)
     SELECT c->>'tenantId', v.sequence, v.id, v.occurred_at, v.recorded_at, c->'actor'->>'id', c->'actor'->>'email',
       c->'actor'->>'role', c->'actor'->>'type', c->'actor'->>'impersonatorId', c->>'action', v.category,
       c->>'entityType', c->>'entityId', c->'changes', ARRAY(SELECT jsonb_array_elements(c->'changes')->>'field'),
       c->>'source', (c->>'ipAddress')::inet, c->>'userAgent', c->>'sessionId',
       NULLIF(c->'location', 'null'), NULLIF(c->'metadata', 'null'), decode(v.hash, 'hex')
     FROM jsonb_to_recordset(?::jsonb) AS v(content jsonb, sequence bigint, id uuid, occurred_at timestamptz,
       recorded_at timestamptz, category text, hash text)
     CROSS JOIN LATERAL (SELECT v.content) AS x(c)`,
    [`[${rows}]`],
  );
}
