import { gzipSync } from 'node:zlib';
import { requestOutbound, type OutboundAnswer, type OutboundConnections } from '../../net/outbound-request';
import type { OutboundAllowList } from '../../net/outbound-url';
import type { StreamRecord } from '../formats/format-event';
import type { StreamEntity } from '../stream.entity';

/**
 * A sink's answer that is not an acknowledgement: the batch is sent again after a delay (the sink's `Retry-After`
 * when it gave one), and the stream keeps its place.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly status: number | null = null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

/** A stream's sink: one protocol, its limits, its acknowledgement. */
export interface Sink {
  /** Most records read for one delivery. */
  readonly maxRecords: number;
  /**
   * Sends the longest prefix of `records` (at least one) that fits in one request of the sink.
   * @returns how many leading records the sink acknowledged (at least one).
   * @throws DeliveryError when it acknowledged none.
   */
  deliver(records: StreamRecord[]): Promise<number>;
  /** Closes what the sink keeps open between deliveries (a syslog connection). */
  close(): void;
}

/** What every sink is built from: the stream's stored settings, its secret opened, and the outbound policy. */
export interface SinkSetup {
  stream: Pick<StreamEntity, 'id' | 'tenantId' | 'name' | 'endpoint' | 'options' | 'format'>;
  secret: string | null;
  allowList: OutboundAllowList;
  timeoutMs: number;
  /** The stream's kept-open connections to its sink (a one-off test record goes without). */
  connections?: OutboundConnections;
  /** Told the status of each HTTP answer (what `testAuditStream` reports). */
  onAnswer?: (status: number) => void;
}

/**
 * The longest prefix of `records` whose encodings, each followed by `separator`, fit `maxBytes` and `maxRecords`;
 * always at least one record (a record over the limit alone is the sink's to refuse).
 */
export function takeBatch(
  records: readonly StreamRecord[],
  encode: (record: StreamRecord) => string,
  { maxRecords, maxBytes, overheadBytes = 0 }: { maxRecords: number; maxBytes: number; overheadBytes?: number },
): string[] {
  const taken: string[] = [];
  let bytes = overheadBytes;
  for (const record of records) {
    if (taken.length === maxRecords) break;
    const encoded = encode(record);
    const size = Buffer.byteLength(encoded) + 1;
    if (taken.length > 0 && bytes + size > maxBytes) break;
    taken.push(encoded);
    bytes += size;
  }
  return taken;
}

const RETRY_AFTER_MAX_MS = 3_600_000;

/** `Retry-After` in seconds or as an HTTP date, in milliseconds; null when absent or unreadable. */
export function retryAfterMs(answer: OutboundAnswer): number | null {
  const value = answer.headers['retry-after'];
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  const seconds = Number(text);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(text) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), RETRY_AFTER_MAX_MS) : null;
}

/** @throws DeliveryError unless the sink answered 2xx (a 3xx included: redirects are not followed). */
export function expectSuccess(answer: OutboundAnswer): void {
  if (answer.status >= 200 && answer.status < 300) return;
  const detail = answer.body.trim().slice(0, 300);
  const redirect = answer.status >= 300 && answer.status < 400 ? ': redirects are not followed' : '';
  throw new DeliveryError(
    `HTTP ${answer.status}${redirect}${detail ? `: ${detail}` : ''}`,
    answer.status,
    retryAfterMs(answer),
  );
}

export interface HttpPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  gzip?: boolean;
}

/**
 * POSTs under the outbound policy; the network's errors (refused, reset mid-batch, timed out) become DeliveryErrors.
 */
export async function postToSink(
  setup: SinkSetup,
  { url, headers, body, gzip = false }: HttpPost,
): Promise<OutboundAnswer> {
  try {
    const answer = await requestOutbound(setup.allowList, {
      url,
      headers: gzip ? { ...headers, 'content-encoding': 'gzip' } : headers,
      body: gzip ? gzipSync(body) : body,
      timeoutMs: setup.timeoutMs,
      connections: setup.connections,
    });
    setup.onAnswer?.(answer.status);
    return answer;
  } catch (error) {
    throw new DeliveryError(networkMessage(error));
  }
}

export function networkMessage(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'the sink did not answer in time';
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** Sinks that take the secret as a token refuse to run without one. */
export function requireSecret(setup: SinkSetup): string {
  if (!setup.secret) throw new DeliveryError('no secret is stored for this stream');
  return setup.secret;
}
