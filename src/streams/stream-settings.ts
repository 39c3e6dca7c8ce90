import { count, flag, positive, text, type SettingsOf } from '../core/settings';

/** The streams' environment variables. */
export const streamSettings = {
  STREAMS_DELIVERY: flag({
    default: true,
    desc: '`off` stops stream delivery on this replica (streams are still configured)',
  }),
  STREAM_SECRET_KEY: text({
    default: undefined,
    desc: 'key that encrypts the streams’ secrets at rest (AES-256-GCM, derived with HKDF-SHA256); unset: a development key with a warning, and in production no secret can be stored and nothing is delivered until it is set',
  }),
  STREAM_POLL_MS: positive({
    default: 1000,
    desc: 'how often each replica claims streams no replica delivers and looks for events that no commit notice announced',
  }),
  STREAM_BATCH_WAIT_MS: count({
    default: 250,
    desc: 'after sending a batch that was not full, how long a stream waits before reading again: while events keep coming, they go out in fewer, larger batches (at most this much later); 0 sends at every commit',
  }),
  STREAM_READ_BUFFER_EVENTS: positive({
    default: 2000,
    desc: 'events a replica keeps of each tenant for the tenant’s streams it delivers, read and decoded once for all of them; a stream further behind (failing, or slower) reads on its own until it is back within them',
  }),
  STREAM_LEASE_MS: positive({
    default: 15_000,
    desc: 'how long a replica holds a stream without renewing it: a stopped replica’s streams are taken over after this',
  }),
  STREAM_TIMEOUT_MS: positive({
    default: 10_000,
    desc: 'timeout of one request to a sink (and of a Splunk acknowledgement)',
  }),
  STREAM_RETRY_BASE_MS: positive({ default: 1000, desc: 'first retry delay after a failed delivery (doubling)' }),
  STREAM_RETRY_MAX_MS: positive({ default: 300_000, desc: 'longest delay between two delivery attempts' }),
  STREAM_FAILURES_BEFORE_FAILING: positive({
    default: 5,
    desc: 'consecutive failed attempts after which a stream is `FAILING` and an alert is raised (it keeps its place and keeps retrying)',
  }),
};

export interface StreamsConfig {
  deliveryEnabled: boolean;
  /** Null in production without STREAM_SECRET_KEY: no secret is stored or read. */
  secretKey: string | null;
  secretKeyIsDefault: boolean;
  pollMs: number;
  batchWaitMs: number;
  readBufferEvents: number;
  leaseMs: number;
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  failuresBeforeFailing: number;
}

export const DEVELOPMENT_STREAM_SECRET_KEY = 'audit-subgraph-development-stream-secret-key';

export function streamsConfigFrom(settings: SettingsOf<typeof streamSettings>, production: boolean): StreamsConfig {
  return {
    deliveryEnabled: settings.STREAMS_DELIVERY,
    secretKey: settings.STREAM_SECRET_KEY ?? (production ? null : DEVELOPMENT_STREAM_SECRET_KEY),
    secretKeyIsDefault: !settings.STREAM_SECRET_KEY,
    pollMs: settings.STREAM_POLL_MS,
    batchWaitMs: settings.STREAM_BATCH_WAIT_MS,
    readBufferEvents: settings.STREAM_READ_BUFFER_EVENTS,
    leaseMs: settings.STREAM_LEASE_MS,
    timeoutMs: settings.STREAM_TIMEOUT_MS,
    retryBaseMs: settings.STREAM_RETRY_BASE_MS,
    retryMaxMs: settings.STREAM_RETRY_MAX_MS,
    failuresBeforeFailing: settings.STREAM_FAILURES_BEFORE_FAILING,
  };
}

/** The delay after the n-th consecutive failure (n ≥ 1). */
export const streamRetryDelayMs = (failures: number, { retryBaseMs, retryMaxMs }: StreamsConfig) =>
  Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
