import { count, positive, text, type SettingsOf } from '../core/settings';

/** How the live feed behaves; read with every other setting at start-up. */
export const liveSettings = {
  LIVE_BUFFER_EVENTS: positive({
    default: 1000,
    desc: 'events queued for one subscriber before it is cut off as too slow (it then resumes with `afterSequence`)',
  }),
  LIVE_PAGE_SIZE: positive({ default: 500, desc: 'events read per query while replaying or following the log' }),
  LIVE_FLUSH_MS: count({
    default: 20,
    desc:
      'least milliseconds between two flushes of the WebSocket writes: closer events leave in one write per socket ' +
      '(`0`: every event loop turn)',
  }),
  LIVE_READ_POOL: positive({
    default: 4,
    desc: 'connections of the live feed’s own pool for reading new events, so that reads never queue behind writers',
  }),
  REDIS_URL: text({
    default: undefined,
    desc: 'carry the live fan-out over Redis instead of PostgreSQL `LISTEN/NOTIFY` (unset: PostgreSQL)',
  }),
};

export interface LiveOptions {
  /** Events queued for one subscriber before it is cut off as too slow. */
  bufferEvents: number;
  /** Rows read per query, in replay and live. */
  pageSize: number;
  /**
   * Least milliseconds between two flushes of the sockets (0: every turn of the event loop).
   * Events closer together leave in one write per socket: some latency under load, for about
   * half the CPU per delivery.
   */
  flushIntervalMs: number;
  /** Connections of the live feed's own pool, which reads new events. */
  readPoolSize: number;
  /** Redis carries the fan-out instead of PostgreSQL NOTIFY when set. */
  redisUrl?: string;
}

export function liveOptionsFrom(settings: SettingsOf<typeof liveSettings>): LiveOptions {
  return {
    bufferEvents: settings.LIVE_BUFFER_EVENTS,
    pageSize: settings.LIVE_PAGE_SIZE,
    flushIntervalMs: settings.LIVE_FLUSH_MS,
    readPoolSize: settings.LIVE_READ_POOL,
    redisUrl: settings.REDIS_URL,
  };
}
