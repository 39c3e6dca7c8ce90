import type { AuditEvent } from '../../events/audit-event.type';
import { redactEvent, redactionKey, type Redaction } from '../../events/redaction';
import { toStreamRecord, type StreamRecord } from '../formats/format-event';
import type { StreamFormat } from '../stream-enums';

/** How a stream sends its events: its format, masked or not. Streams of the same shape share their records. */
export class RecordShape {
  readonly key: string;

  constructor(
    readonly format: StreamFormat,
    readonly redaction: Redaction | null,
  ) {
    this.key = `${format} ${redactionKey(redaction)}`;
  }
}

/**
 * An event read for the streams of its tenant: decoded once, and formatted (and serialised) once per shape,
 * whichever of the streams send it.
 */
export class StreamEvent {
  readonly sequence: bigint;
  private readonly records = new Map<string, StreamRecord>();

  constructor(
    readonly event: AuditEvent,
    /** Whether it meets each of the matches it was read for (see SharedStreamReads). */
    readonly meets: readonly boolean[],
  ) {
    this.sequence = BigInt(event.sequence);
  }

  recordFor(shape: RecordShape): StreamRecord {
    let record = this.records.get(shape.key);
    if (!record) {
      record = toStreamRecord(redactEvent(this.event, shape.redaction), shape.format);
      this.records.set(shape.key, record);
    }
    return record;
  }
}

/** The index of the first event after `sequence` in events sorted by sequence (their length when there is none). */
export function firstAfter(events: readonly StreamEvent[], sequence: bigint): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (events[middle].sequence <= sequence) low = middle + 1;
    else high = middle;
  }
  return low;
}
