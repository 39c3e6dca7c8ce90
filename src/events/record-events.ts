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
import { PRODUCER_READS, type ProducerReads } from './access-note';
import { Role } from '../auth/principal';
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
  /** Coalesces producers' reads of personal records (a SERVICE caller's VIEW and REPORT_RUN events). */
  reads?: ProducerReads;
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
  const reads = services.get(PRODUCER_READS);
  const sealed = services.get(SEALED_VALUES);
  return knex
    ? { knex, partitions, metrics, bus, sealer, reads, sealed, outerTransaction: true }
    : { knex: services.knex, partitions, metrics, bus, sealer, reads, sealed };
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
    await writer.partitions.ensureFor(drafts.map((event) => event.occurredAt));
    const { sealer, outerTransaction } = writer;
    // Only producers' reads: the service's own events (the coalesced ones among them) are stored as they are.
    const reads = caller.role === Role.Service ? writer.reads : undefined;
    let coalesced = { counted: 0, resent: 0 };
    // Keys created for new subjects commit with the events, in no commit of their own: in the caller's
    // transaction when there is one (not in the savepoint storeEvents opens in it), else in the batch's.
    if (sealer && outerTransaction) await sealer.seal(writer.knex, drafts);
    const result = await storeEvents(
      writer.knex,
      writer.sealed,
      async (trx) => {
        let kept = drafts.map((event, index) => ({ event, input: inputs[index] }));
        if (reads) {
          const { rest, counted, resent } = await reads.coalesce(trx, drafts);
          const left = new Set(rest);
          kept = kept.filter(({ event }) => left.has(event));
          coalesced = { counted, resent };
        }
        const events = kept.map(({ event }) => event);
        if (sealer && !outerTransaction) await sealer.seal(trx, events);
        return kept.map(({ event, input }) => digestEvent(event, input));
      },
      writer.bus.transactionAnnouncers,
    );
    result.coalesced = coalesced.counted;
    result.duplicates += coalesced.resent;
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
