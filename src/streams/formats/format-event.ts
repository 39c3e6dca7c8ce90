import type { AuditEvent } from '../../events/audit-event.type';
import { StreamFormat } from '../stream-enums';
import { ecsDocument } from './ecs';
import { nativeDocument } from './native';
import { ocsfDocument } from './ocsf';

/** One event ready for a sink: the document in the stream's format, with what every sink needs to frame it. */
export interface StreamRecord {
  id: string;
  sequence: string;
  occurredAt: Date;
  action: string;
  document: Record<string, unknown>;
}

const FORMATTERS: Record<StreamFormat, (event: AuditEvent) => Record<string, unknown>> = {
  [StreamFormat.NATIVE]: nativeDocument,
  [StreamFormat.OCSF]: ocsfDocument,
  [StreamFormat.ECS]: ecsDocument,
};

export function toStreamRecord(event: AuditEvent, format: StreamFormat): StreamRecord {
  return {
    id: event.id,
    sequence: event.sequence,
    occurredAt: event.occurredAt,
    action: event.action,
    document: FORMATTERS[format](event),
  };
}
