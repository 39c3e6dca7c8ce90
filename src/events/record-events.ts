import type { Knex } from '@mikro-orm/postgresql';
import type { Principal } from '../auth/principal';
import { BadUserInputError } from '../errors';
import type { Metrics } from '../observability/metrics';
import type { AuditEventInput } from './audit-event.input';
import { storeEvents, type CommitAnnouncer, type CommittedBatch, type RecordResult } from './event-store';
import { EVENT_LIMITS } from './limits';
import { normalizeEvent } from './normalize-event';
import type { PartitionKeeper } from './partitions';

export interface EventWriter {
  knex: Knex;
  partitions: PartitionKeeper;
  metrics: Metrics;
  /** Told after each committed batch that stored events. */
  onCommitted?: (batch: CommittedBatch) => void;
  /** Sends a notice inside each write transaction (live fan-out over PostgreSQL). */
  announcer?: CommitAnnouncer;
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
    const batch = inputs.map((input, index) => {
      const tenantId = input.tenantId ?? caller.tenantId;
      if (!tenantId.trim() || tenantId.length > EVENT_LIMITS.maxIdLength)
        throw new BadUserInputError(`events[${index}].tenantId`, 'is not a valid tenant id');
      return normalizeEvent(input, index, tenantId, now);
    });
    await writer.partitions.ensureFor(batch.map((event) => event.occurredAt));
    const result = await storeEvents(writer.knex, batch, writer.announcer);
    metrics.eventsWritten.inc(result.recorded);
    metrics.eventDuplicates.inc(result.duplicates);
    metrics.batches.inc({ outcome: 'stored' });
    if (result.heads.size > 0) writer.onCommitted?.(result);
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
