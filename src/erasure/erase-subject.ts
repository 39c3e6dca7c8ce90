import { createHash } from 'node:crypto';
import type { Knex } from '@mikro-orm/postgresql';
import type { Principal } from '../auth/principal';
import type { Services } from '../core/context';
import { PERSON_ENTITY_TYPE, SEALED_VALUES } from '../core/sealed-values';
import { adminActor } from '../events/admin-event';
import { AuditAction, AuditSource } from '../events/enums';
import { recordEvents, writerOf } from '../events/record-events';
import { lockTenantHeads } from '../events/sequencing';
import { connectionOf } from '../db/transaction-connection';
import { AuditError, ErrorCode } from '../errors';
import { appendDeletionRecord } from '../retention/deletion-log';
import { applyHolds, listHolds } from '../retention/legal-holds';
import { DeletionReason } from '../retention/retention.types';
import type { SubjectKeys } from './subject-keys';

/** The entity type of the event that records an erasure. */
export const DATA_SUBJECT_ENTITY_TYPE = 'DataSubject';
const RECORD_SUBJECT = /^([A-Za-z][A-Za-z0-9_]*):(.+)$/;

export interface Erasure {
  subjectId: string;
  eventsAffected: number;
  erasedAt: Date;
}

/**
 * ANDs "the event concerns the subject" onto a query of `audit_events` aliased `e`: as actor or
 * impersonator, as the `User` record, or (for `Type:id`) as that record.
 */
export function whereSubject(qb: Knex.QueryBuilder, subjectId: string): Knex.QueryBuilder {
  const record = RECORD_SUBJECT.exec(subjectId);
  return qb.where(function (this: Knex.QueryBuilder) {
    this.where('e.actor_id', subjectId)
      .orWhere('e.impersonator_id', subjectId)
      .orWhere({ 'e.entity_type': PERSON_ENTITY_TYPE, 'e.entity_id': subjectId });
    if (record) this.orWhere({ 'e.entity_type': record[1], 'e.entity_id': record[2] });
  });
}

interface Span {
  count: string;
  from_sequence: string | null;
  to_sequence: string | null;
  occurred_from: Date | null;
  occurred_to: Date | null;
  hashes: string | null;
}

/**
 * Destroys the subject's key, in one transaction with a deletion record (reason ERASURE), a
 * DELETE event of the `DataSubject` and its row in the register of erasures (`subject_erasures`): the
 * events stay, and their sealed values can no longer be opened.
 * @throws AuditError CONFLICT naming the first active legal hold that covers one of the subject's events.
 */
export async function eraseSubject(
  services: Services,
  keys: SubjectKeys,
  admin: Principal,
  subjectId: string,
  reason: string,
): Promise<Erasure> {
  const tenantId = admin.tenantId;
  const { result, committed } = await services.knex.transaction(async (trx) => {
    // One erasure of a subject at a time; legal holds placed meanwhile wait for the commit.
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`erasure:${tenantId}:${subjectId}`]);
    // The tenant's chain lock, which its DataSubject event takes anyway, taken before the key is destroyed:
    // a re-sealing of stored events (seal-stored.ts) that creates the key meanwhile commits first.
    await lockTenantHeads(await connectionOf(trx), [tenantId]);
    const subjectEvents = () => whereSubject(trx('audit_events as e').where('e.tenant_id', tenantId), subjectId);
    for (const hold of await listHolds(trx, tenantId, false)) {
      const held = await applyHolds(subjectEvents().first(trx.raw('1 AS held')), [hold], {
        alias: 'e',
        held: true,
        blindIndex: services.get(SEALED_VALUES),
      });
      if (held)
        throw new AuditError(
          ErrorCode.Conflict,
          `legal hold ${hold.id} ("${hold.reason}") covers events of this subject: it cannot be erased while the hold is active`,
          { legalHoldId: hold.id },
        );
    }
    const span: Span = await subjectEvents().first(
      trx.raw(`count(*) AS count, min(e.sequence) AS from_sequence, max(e.sequence) AS to_sequence,
          min(e.occurred_at) AS occurred_from, max(e.occurred_at) AS occurred_to,
          string_agg(encode(e.hash, 'hex'), '' ORDER BY e.sequence) AS hashes`),
    );
    await keys.destroy(trx, { tenantId, subjectId });
    // The blind index terms are the actor's email and address, keyed but guessable: they go with the key.
    // They are outside the hash chain (not part of what a reader sees), so removing them breaks nothing.
    await trx.raw(`SET LOCAL audit.erasing = 'on'`);
    await trx('audit_events')
      .where({ tenant_id: tenantId, actor_id: subjectId })
      .whereNotNull('personal_index')
      .update({ personal_index: null });
    const erasedAt = new Date();
    const deletionId = await appendDeletionRecord(
      trx,
      tenantId,
      {
        category: null,
        eventCount: Number(span.count),
        fromSequence: span.from_sequence ?? '0',
        toSequence: span.to_sequence ?? '0',
        occurredFrom: span.occurred_from ?? erasedAt,
        occurredTo: span.occurred_to ?? erasedAt,
        // The affected events' chain hashes, in order: which events lost their personal data.
        digest: createHash('sha256')
          .update(span.hashes ?? '')
          .digest('hex'),
        archivedAt: null,
        deletedAt: erasedAt,
      },
      DeletionReason.ERASURE,
    );
    const recorded = await recordEvents(writerOf(services, trx), admin, [
      {
        actor: adminActor(admin),
        action: AuditAction.DELETE,
        entityType: DATA_SUBJECT_ENTITY_TYPE,
        entityId: subjectId,
        source: AuditSource.API,
        metadata: {
          operation: 'eraseSubject',
          reason,
          eventsAffected: Number(span.count),
          deletionRecordId: deletionId,
        },
      },
    ]);
    // The register a later re-sealing reads (seal-stored.ts): it outlives the event, which retention may archive.
    await trx('subject_erasures').insert({
      tenant_id: tenantId,
      subject_id: subjectId,
      sequence: recorded.events[0].sequence,
      deletion_record_id: deletionId,
      erased_at: erasedAt,
    });
    return { result: { subjectId, eventsAffected: Number(span.count), erasedAt }, committed: recorded };
  });
  services.bus.committed(committed);
  return result;
}
