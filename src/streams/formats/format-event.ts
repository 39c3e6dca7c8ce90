import type { AuditEvent } from '../../events/audit-event.type';
import { StreamFormat } from '../stream-enums';
import { ecsDocument } from './ecs';
import { nativeDocument } from './native';
import { ocsfDocument } from './ocsf';

/**
 * One event ready for a sink: the document in the stream's format, with what every sink needs to frame it. The
 * streams of a tenant that share a format share its records, so the document is serialised once for all of them.
 */
export class StreamRecord {
  private serialised: string | null = null;

  constructor(
    readonly id: string,
    readonly sequence: string,
    readonly occurredAt: Date,
    readonly action: string,
    readonly document: Record<string, unknown>,
  ) {}

  /** `document` as JSON. */
  get json(): string {
    return (this.serialised ??= JSON.stringify(this.document));
  }
}

const FORMATTERS: Record<StreamFormat, (event: AuditEvent) => Record<string, unknown>> = {
  [StreamFormat.NATIVE]: nativeDocument,
  [StreamFormat.OCSF]: ocsfDocument,
  [StreamFormat.ECS]: ecsDocument,
};

export function toStreamRecord(event: AuditEvent, format: StreamFormat): StreamRecord {
  return new StreamRecord(event.id, event.sequence, event.occurredAt, event.action, FORMATTERS[format](event));
}
