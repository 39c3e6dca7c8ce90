/** How the live feed behaves; read from the environment when the server starts. */
export interface LiveOptions {
  /** Events queued for one subscriber before it is cut off as too slow (LIVE_BUFFER_EVENTS). */
  bufferEvents: number;
  /** Rows read per query, in replay and live (LIVE_PAGE_SIZE). */
  pageSize: number;
  /** Redis carries the fan-out instead of PostgreSQL NOTIFY when set (REDIS_URL). */
  redisUrl?: string;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** @throws Error when a setting is malformed. */
export function loadLiveOptions(env: NodeJS.ProcessEnv = process.env): LiveOptions {
  return {
    bufferEvents: positiveInt(env, 'LIVE_BUFFER_EVENTS', 1000),
    pageSize: positiveInt(env, 'LIVE_PAGE_SIZE', 500),
    redisUrl: env.REDIS_URL || undefined,
  };
}
