import type { Knex } from '@mikro-orm/postgresql';
import type { Principal } from '../auth/principal';
import type { CommitBus } from '../core/commit-bus';
import { serviceKey, type Services } from '../core/context';
import { SEALED_VALUES, type SealedValues } from '../core/sealed-values';
import { BadUserInputError } from '../errors';
import type { Metrics } from '../observability/metrics';
import type { AuditEventInput } from './audit-event.input';
import { storeEvents, type RecordResult } from './event-store';
import { EVENT_LIMITS } from './limits';
import { digestEvent, draftEvent } from './normalize-event';
import { PERSONAL_DATA_SEALER, type PersonalDataSealer } from './new-event';
import type { PartitionKeeper } from './partitions';

/** Provided by the events module: the partitions the write path creates ahead and on demand. */
export const PARTITIONS = serviceKey<PartitionKeeper>('events.partitions');

export interface EventWriter {
  knex: Knex;
  partitions: PartitionKeeper;
  metrics: Metrics;
  /** Its announcers run inside each write transaction; its followers are told after each commit. */
  bus: CommitBus;
  /** Seals personal values before they are hashed; null when personal data is stored as sent. */
  sealer: PersonalDataSealer | null;
  /** Opens the sealed values of events stored earlier, which a resent batch answers with. */
  sealed: SealedValues;
  /**
   * Set when `knex` is a transaction the caller commits: the followers are then the caller's to
   * tell, after that commit (see `withConfigChange`).
   */
  outerTransaction?: boolean;
}

/** The service's own writer; `knex` may be a transaction of the caller's. */
export function writerOf(services: Services, knex?: Knex.Transaction): EventWriter {
  const { metrics, bus } = services;
  const partitions = services.get(PARTITIONS);
  const sealer = services.get(PERSONAL_DATA_SEALER);
  const sealed = services.get(SEALED_VALUES);
  return knex
    ? { knex, partitions, metrics, bus, sealer, sealed, outerTransaction: true }
    : { knex: services.knex, partitions, metrics, bus, sealer, sealed };
}

/**
 * Validates and stores one `recordAuditEvents` batch for a SERVICE caller.
 * @throws BadUserInputError naming the event index and field; nothing of the batch is stored then.
 */
export async function recordEvents(
  writer: EventWriter,
  caller: Principal,
  inputs: AuditEventInput[],
): Promise<RecordResult> {
  const { metrics } = writer;
  const stopTimer = metrics.writeDuration.startTimer();
  try {
    if (inputs.length < EVENT_LIMITS.minBatch || inputs.length > EVENT_LIMITS.maxBatch)
      throw new BadUserInputError('events', `must hold ${EVENT_LIMITS.minBatch} to ${EVENT_LIMITS.maxBatch} events`);
    const now = new Date();
    const drafts = inputs.map((input, index) => {
      const tenantId = input.tenantId ?? caller.tenantId;
      if (!tenantId.trim() || tenantId.length > EVENT_LIMITS.maxIdLength)
        throw new BadUserInputError(`events[${index}].tenantId`, 'is not a valid tenant id');
      return draftEvent(input, index, tenantId, now);
    });
    if (writer.sealer) await writer.sealer.seal(writer.knex, drafts);
    const batch = drafts.map((event, index) => digestEvent(event, inputs[index]));
    await writer.partitions.ensureFor(batch.map((event) => event.occurredAt));
    const result = await storeEvents(writer.knex, writer.sealed, batch, writer.bus.transactionAnnouncers);
    metrics.eventsWritten.inc(result.recorded);
    metrics.eventDuplicates.inc(result.duplicates);
    metrics.batches.inc({ outcome: 'stored' });
    if (result.heads.size > 0 && !writer.outerTransaction) writer.bus.committed(result);
    return result;
  } catch (error) {
    const rejected = error instanceof BadUserInputError;
    metrics.batches.inc({ outcome: rejected ? 'rejected' : 'failed' });
    if (rejected) metrics.rejectedInputs.inc({ reason: 'event' });
    throw error;
  } finally {
    stopTimer();
  }
}
