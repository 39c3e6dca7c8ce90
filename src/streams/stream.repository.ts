import type { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError } from '../errors';
import { parseUuidArgument } from '../ids';
import { maskUrlCredentials } from '../net/outbound-url';
import { StreamStatus } from './stream-enums';
import type { StreamLag } from './stream-lag';
import { StreamSchema, type StreamEntity } from './stream.entity';
import type { AuditStream } from './stream.type';

/** The id names no stream of the caller's tenant (another tenant's ids look the same). */
export class StreamNotFoundError extends NotFoundError {
  constructor() {
    super('id', 'stream');
  }
}

export function listStreams(em: EntityManager, tenantId: string): Promise<StreamEntity[]> {
  return em.find(StreamSchema, { tenantId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
}

/** @throws BadUserInputError for an id that is not a UUID; StreamNotFoundError for one of no stream of the tenant. */
export async function getStream(em: EntityManager, tenantId: string, id: string): Promise<StreamEntity> {
  const stream = await em.findOne(StreamSchema, { tenantId, id: parseUuidArgument('id', id) });
  if (!stream) throw new StreamNotFoundError();
  return stream;
}

export const statusOf = (stream: Pick<StreamEntity, 'enabled' | 'failing'>): StreamStatus =>
  !stream.enabled ? StreamStatus.PAUSED : stream.failing ? StreamStatus.FAILING : StreamStatus.ACTIVE;

export function toAuditStream(stream: StreamEntity, lag: StreamLag): AuditStream {
  return {
    id: stream.id,
    name: stream.name,
    kind: stream.kind,
    endpoint: maskUrlCredentials(stream.endpoint),
    format: stream.format,
    match: stream.match,
    maskPersonalData: stream.maskPersonalData,
    enabled: stream.enabled,
    status: statusOf(stream),
    deliveredThroughSequence: String(stream.deliveredThroughSequence),
    lagEvents: lag.events,
    lagSeconds: lag.seconds,
    lastDeliveredAt: stream.lastDeliveredAt,
    lastError: stream.lastError,
    deliveredEvents: Number(stream.deliveredEvents),
    failedAttempts: Number(stream.failedAttempts),
    hasSecret: stream.secret !== null,
    options: {
      tokenUrl: stream.options.tokenUrl ?? null,
      clientId: stream.options.clientId ?? null,
      caCertificate: stream.options.caCertificate ?? null,
      splunkAck: stream.options.splunkAck ?? null,
      index: stream.options.index ?? null,
      sourceType: stream.options.sourceType ?? null,
      category: stream.options.category ?? null,
    },
  };
}

/** What a CONFIG_CHANGE event shows of a stream, before and after: never its secret, nor credentials in its URL. */
export function streamSnapshot(stream: StreamEntity): Record<string, unknown> {
  return {
    name: stream.name,
    kind: stream.kind,
    endpoint: maskUrlCredentials(stream.endpoint),
    format: stream.format,
    match: stream.match,
    maskPersonalData: stream.maskPersonalData,
    enabled: stream.enabled,
    secret: stream.secret === null ? null : 'set',
    options: { ...stream.options, ...(stream.options.caCertificate ? { caCertificate: 'set' } : {}) },
    deliveredThroughSequence: String(stream.deliveredThroughSequence),
  };
}
