/** How the live feed behaves; read from the environment when the server starts. */
export interface LiveOptions {
  /** Events queued for one subscriber before it is cut off as too slow (LIVE_BUFFER_EVENTS). */
  bufferEvents: number;
  /** Rows read per query, in replay and live (LIVE_PAGE_SIZE). */
  pageSize: number;
  /**
   * Least milliseconds between two flushes of the sockets (LIVE_FLUSH_MS; 0: every turn of the
   * event loop). Events closer together than this leave in one write per socket: up to this much
   * added latency under load, for about half the CPU per delivery at two events a write.
   */
  flushIntervalMs: number;
  /** Connections of the live feed's own pool, which reads new events (LIVE_READ_POOL). */
  readPoolSize: number;
  /** Redis carries the fan-out instead of PostgreSQL NOTIFY when set (REDIS_URL). */
  redisUrl?: string;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: 0 | 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be a ${min ? 'positive' : 'non-negative'} integer, got "${raw}"`);
  return value;
}

/** @throws Error when a setting is malformed. */
export function loadLiveOptions(env: NodeJS.ProcessEnv = process.env): LiveOptions {
  return {
    bufferEvents: integer(env, 'LIVE_BUFFER_EVENTS', 1000, 1),
    pageSize: integer(env, 'LIVE_PAGE_SIZE', 500, 1),
    flushIntervalMs: integer(env, 'LIVE_FLUSH_MS', 20, 0),
    readPoolSize: integer(env, 'LIVE_READ_POOL', 4, 1),
    redisUrl: env.REDIS_URL || undefined,
  };
}
