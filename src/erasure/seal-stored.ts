import type { Knex } from '@mikro-orm/postgresql';
import { signDocument } from '../checkpoints/signed-document';
import type { SigningKeys } from '../checkpoints/signing-keys';
import { SEALED_PREFIX } from '../core/sealed-values';
import { connectionOf } from '../db/transaction-connection';
import { canonicalContent } from '../events/canonical-content';
import { withChainLinks } from '../events/chain-links';
import { chainHash, chainPositionOf, contentDigest } from '../events/event-hash';
import type { AuditEvent } from '../events/audit-event.type';
import { eventColumns, toHashedEvent, type AuditEventRow } from '../events/event-row';
import { searchTokensOfEvent } from '../events/insert-batch';
import type { NewEvent } from '../events/new-event';
import { lockTenantHeads } from '../events/sequencing';
import { AuditError, ErrorCode } from '../errors';
import { resealRowsDigest, type ResealCheckpointFields, type ResealRow } from './resealed';
import type { Sealer } from './sealing';

/** Events looked at per transaction: each holds the tenant's chain lock, as a write batch does. */
const SEAL_STORED_CHUNK = 500;

export interface SealStoredReport {
  tenantId: string;
  /** Events whose personal values were sealed by this run. */
  sealed: number;
  /** Re-sealing checkpoints signed by this run (one per chunk that sealed anything). */
  checkpoints: number;
}

type CandidateRow = AuditEventRow & { hash_hex: string; previous_hash_hex: string | null };

/**
 * Seals the personal values of a tenant's stored events that hold them in plaintext (stored before
 * the master key was set, or by a writer without it), as the write path seals new ones (the same
 * `Sealer`: subject keys, blind index terms, search tokens of sealed values dropped). The chain hashes
 * stay: each event re-sealed gets a `personal_reseals` row (the digest its hash covers, checked against
 * that hash first, and the digest of its sealed content), and each chunk a signed checkpoint over its
 * rows, committed with them, so that a crash loses at most the chunk in progress and a run again
 * takes up where it stopped (events sealed already are not looked at twice).
 * @throws AuditError CONFLICT at an event whose content or predecessor does not match its chain hash (nothing of its chunk is changed).
 */
export async function sealStoredEvents(
  knex: Knex,
  sealer: Sealer,
  signing: SigningKeys,
  tenantId: string,
  chunkSize = SEAL_STORED_CHUNK,
): Promise<SealStoredReport> {
  const report: SealStoredReport = { tenantId, sealed: 0, checkpoints: 0 };
  let after = '0';
  for (;;) {
    const chunk = await knex.transaction((trx) => sealChunk(trx, sealer, signing, tenantId, after, chunkSize));
    if (!chunk) return report;
    after = chunk.lastLookedAt;
    report.sealed += chunk.sealed;
    if (chunk.sealed > 0) report.checkpoints += 1;
  }
}

async function sealChunk(
  trx: Knex.Transaction,
  sealer: Sealer,
  signing: SigningKeys,
  tenantId: string,
  after: string,
  chunkSize: number,
): Promise<{ lastLookedAt: string; sealed: number } | null> {
  // The write path's lock: no event is appended to the tenant's chain (and no subject erased) meanwhile.
  const head = (await lockTenantHeads(await connectionOf(trx), [tenantId])).get(tenantId)!;
  const rows = await plaintextCandidates(trx, tenantId, after, chunkSize);
  if (rows.length === 0) return null;
  const drafts = rows.map((row) => {
    const stored = toHashedEvent(row);
    const event = draftOf(stored);
    const original = contentDigest(canonicalContent(event).text);
    const position = chainPositionOf(stored);
    if (row.previous_hash_hex === null || chainHash(row.previous_hash_hex, position, original) !== row.hash_hex)
      throw new AuditError(
        ErrorCode.Conflict,
        `event ${row.sequence} of tenant ${tenantId} does not match its chain hash (see auditLogIntegrity): ` +
          'it is not sealed, nor is anything after it',
      );
    return { row, event, original };
  });
  const erasures = await erasureSequences(trx, tenantId);
  const sequenceOf = new Map(drafts.map(({ row, event }) => [event, BigInt(row.sequence)]));
  await sealer.seal(
    trx,
    drafts.map(({ event }) => event),
    (event, subject) => (erasures.get(subject.subjectId) ?? 0n) > sequenceOf.get(event)!,
  );
  const sealed: Array<ResealRow & { row: CandidateRow; event: NewEvent }> = [];
  for (const { row, event, original } of drafts) {
    const { text, ...parts } = canonicalContent(event);
    const digest = contentDigest(text);
    // Nothing personal in it (no actor data, no change of a field marked personal): left as it is.
    if (digest === original) continue;
    event.content = parts;
    sealed.push({ sequence: row.sequence, originalDigest: original, sealedDigest: digest, row, event });
  }
  const lastLookedAt = rows[rows.length - 1].sequence;
  if (sealed.length === 0) return { lastLookedAt, sealed: 0 };

  // Numbered under the chain lock: one writer at a time.
  const { position } = await trx('personal_reseal_checkpoints')
    .first(trx.raw('coalesce(max(position), 0) + 1 AS position'))
    .where('tenant_id', tenantId);
  // The rows first: the append-only trigger lets an event change only once its row is there.
  await trx.batchInsert(
    'personal_reseals',
    sealed.map((record) => ({
      tenant_id: tenantId,
      sequence: record.sequence,
      original_digest: record.originalDigest,
      sealed_digest: record.sealedDigest,
      checkpoint: position,
    })),
    chunkSize,
  );
  await trx.raw(`SET LOCAL audit.sealing = 'on'`);
  // By primary key (occurred_at as PostgreSQL wrote it): one partition's row each.
  const { rowCount } = await trx.raw(
    `UPDATE audit_events e SET
       actor_email = v.actor_email, ip_address = NULL, ip_sealed = v.ip_sealed, user_agent = v.user_agent,
       location = v.location::jsonb, changes = v.changes::jsonb, personal_index = v.personal_index,
       search_tokens = v.search_tokens
     FROM jsonb_to_recordset(?::jsonb) AS v(sequence bigint, occurred_at timestamptz, id uuid, actor_email text,
       ip_sealed text, user_agent text, location text, changes text, personal_index text[], search_tokens text[])
     WHERE e.tenant_id = ? AND e.occurred_at = v.occurred_at AND e.id = v.id AND e.sequence = v.sequence`,
    [
      JSON.stringify(
        sealed.map(({ sequence, row, event }) => ({
          sequence,
          occurred_at: row.occurred_at,
          id: row.id,
          actor_email: event.actor.email,
          // An address is sealed whenever it is there: the actor's data is sealed whole.
          ip_sealed: event.ipAddress,
          user_agent: event.userAgent,
          location: event.content.location === 'null' ? null : event.content.location,
          changes: event.content.changes,
          personal_index: event.personalIndex.length > 0 ? event.personalIndex : null,
          search_tokens: searchTokensOfEvent(event),
        })),
      ),
      tenantId,
    ],
  );
  if (rowCount !== sealed.length) throw new Error(`sealed ${rowCount} of ${sealed.length} events of ${tenantId}`);
  await trx.raw(`SET LOCAL audit.sealing = 'off'`);
  const { now } = head;
  const checkpoint = signDocument<ResealCheckpointFields>(
    {
      kind: 'personalDataReseal',
      tenantId,
      position: Number(position),
      fromSequence: sealed[0].sequence,
      toSequence: sealed[sealed.length - 1].sequence,
      events: sealed.length,
      digest: resealRowsDigest(sealed),
      headSequence: head.sequence.toString(),
      headHash: head.hash,
      signedAt: now.toISOString(),
    },
    signing.keyId,
    signing.privateKey,
  );
  await trx('personal_reseal_checkpoints').insert({
    tenant_id: tenantId,
    position,
    document: JSON.stringify(checkpoint),
  });
  return { lastLookedAt, sealed: sealed.length };
}

/**
 * The sequence of each subject's latest erasure (its `DataSubject` DELETE event), from the register
 * eraseSubject writes (not from the events: retention may have archived that one, and a producer may
 * send one of its own), read under the chain lock that eraseSubject takes too: what was stored before
 * it is sealed under a key no one keeps.
 */
async function erasureSequences(trx: Knex.Transaction, tenantId: string): Promise<Map<string, bigint>> {
  const rows: Array<{ subject_id: string; sequence: string }> = await trx('subject_erasures')
    .select('subject_id', trx.raw('max(sequence)::text AS sequence'))
    .where({ tenant_id: tenantId })
    .groupBy('subject_id');
  return new Map(rows.map((row) => [row.subject_id, BigInt(row.sequence)]));
}

/**
 * The tenant's next events after `after` that may hold plaintext personal values: none of their values
 * sealed, not re-sealed already, with actor data or changes. With their hash and their predecessor's.
 */
function plaintextCandidates(
  trx: Knex.Transaction,
  tenantId: string,
  after: string,
  limit: number,
): Promise<CandidateRow[]> {
  const sealedText = `${SEALED_PREFIX}%`;
  return withChainLinks(trx, trx.select(eventColumns(trx, 'e')).from('audit_events as e'), 'previous_hash_hex')
    .where('e.tenant_id', tenantId)
    .where('e.sequence', '>', after)
    .whereNull('e.ip_sealed')
    .whereRaw(`COALESCE(e.actor_email, '') NOT LIKE ?`, [sealedText])
    .whereRaw(`COALESCE(e.user_agent, '') NOT LIKE ?`, [sealedText])
    .whereRaw(`jsonb_typeof(COALESCE(e.location, 'null')) <> 'string'`)
    .whereRaw(`COALESCE(e.changes, '[]')::text NOT LIKE ?`, [`%"${sealedText}`])
    .whereRaw(
      `(e.actor_email IS NOT NULL OR e.ip_address IS NOT NULL OR e.user_agent IS NOT NULL OR e.location IS NOT NULL
        OR COALESCE(e.changes, '[]') <> '[]')`,
    )
    .whereNotExists(function () {
      this.select(trx.raw('1'))
        .from('personal_reseals as r')
        .where('r.tenant_id', tenantId)
        .whereRaw('r.sequence = e.sequence');
    })
    .orderBy('e.sequence')
    .limit(limit);
}

/** A stored event as the sealer takes a new one. */
function draftOf(event: AuditEvent): NewEvent {
  return {
    id: event.id,
    tenantId: event.tenantId,
    occurredAt: event.occurredAt,
    actor: event.actor,
    action: event.action,
    category: event.category,
    entityType: event.entityType,
    entityId: event.entityId,
    changes: event.changes ?? [],
    source: event.source,
    ipAddress: event.ipAddress,
    userAgent: event.userAgent,
    sessionId: event.sessionId,
    location: event.location as NewEvent['location'],
    metadata: event.metadata,
    content: { changes: '', location: '', metadata: '' },
    digest: '',
    fingerprint: '',
    personalIndex: [],
  };
}
