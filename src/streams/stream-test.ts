import { NOTHING_REDACTED } from '../events/event-row';
import { randomUUID } from 'node:crypto';
import { ActorType, AuditAction, AuditCategory, AuditSource } from '../events/enums';
import type { OutboundAllowList } from '../net/outbound-url';
import { toStreamRecord } from './formats/format-event';
import { DeliveryError, networkMessage } from './sinks/sink';
import { sinkFor } from './sinks/sink-for-kind';
import type { StreamSecrets } from './stream-secrets';
import type { StreamEntity } from './stream.entity';
import type { StreamTestResult } from './stream.type';

/**
 * Sends one record shaped like an event of the stream's format, marked as a test (`metadata.test`, sequence 0), so
 * that an admin sees the sink's own answer before any event depends on it.
 */
export async function testStream(
  stream: StreamEntity,
  { secrets, allowList, timeoutMs }: { secrets: StreamSecrets; allowList: OutboundAllowList; timeoutMs: number },
): Promise<StreamTestResult> {
  const now = new Date();
  const record = toStreamRecord(
    {
      id: randomUUID(),
      tenantId: stream.tenantId,
      sequence: '0',
      occurredAt: now,
      recordedAt: now,
      actor: { id: 'audit-subgraph', email: null, role: null, type: ActorType.SYSTEM, impersonatorId: null },
      action: AuditAction.WEBHOOK_DELIVERY,
      category: AuditCategory.API_ACCESS,
      entityType: 'AuditStream',
      entityId: stream.id,
      changes: [],
      source: AuditSource.SYSTEM,
      ipAddress: null,
      userAgent: null,
      sessionId: null,
      location: null,
      metadata: { test: true, stream: stream.name },
      redactedFields: NOTHING_REDACTED,
    },
    stream.format,
  );
  let sink;
  let status: number | null = null;
  try {
    const secret = stream.secret === null ? null : secrets.open(stream.secret, stream.tenantId, stream.id);
    sink = sinkFor(stream.kind, { stream, secret, allowList, timeoutMs, onAnswer: (answered) => (status = answered) });
    await sink.deliver([record]);
    return { ok: true, status, message: 'the sink acknowledged the test record' };
  } catch (error) {
    if (error instanceof DeliveryError) return { ok: false, status: error.status, message: error.message };
    return { ok: false, status: null, message: networkMessage(error) };
  } finally {
    sink?.close();
  }
}
