/** Alert settings, read once from the environment (see the README's configuration table). */
export interface AlertsConfig {
  /** `ALERT_DETECTORS=off` stops evaluation on this replica (the bench's baseline); alerts are still served. */
  detectorsEnabled: boolean;
  /** The safety net's period: tenants whose checkpoint lags their log are looked for this often. */
  evaluationIntervalMs: number;
  /** Events evaluated per transaction. */
  evaluationBatchSize: number;
  webhook: {
    /**
     * Signs each delivery (HMAC-SHA256). Unset: a development secret with a warning; in production
     * null, and deliveries wait in their table until a secret is configured.
     */
    secret: string | null;
    secretIsDefault: boolean;
    timeoutMs: number;
    retryBaseMs: number;
    maxRetryMs: number;
    /** After this many failed attempts a delivery is given up, and shown as FAILED. */
    maxAttempts: number;
    pollMs: number;
  };
}

export const DEVELOPMENT_WEBHOOK_SECRET = 'audit-subgraph-development-webhook-secret';

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** @throws Error for a malformed setting. */
export function loadAlertsConfig(env: NodeJS.ProcessEnv): AlertsConfig {
  const production = env.NODE_ENV === 'production';
  const detectors = (env.ALERT_DETECTORS ?? 'on').toLowerCase();
  if (detectors !== 'on' && detectors !== 'off')
    throw new Error(`ALERT_DETECTORS must be on or off, got "${env.ALERT_DETECTORS}"`);
  return {
    detectorsEnabled: detectors === 'on',
    evaluationIntervalMs: positive(env, 'ALERT_EVALUATION_INTERVAL_MS', 1000),
    evaluationBatchSize: positive(env, 'ALERT_EVALUATION_BATCH_SIZE', 2000),
    webhook: {
      secret: env.ALERT_WEBHOOK_SECRET || (production ? null : DEVELOPMENT_WEBHOOK_SECRET),
      secretIsDefault: !env.ALERT_WEBHOOK_SECRET,
      timeoutMs: positive(env, 'ALERT_WEBHOOK_TIMEOUT_MS', 5000),
      retryBaseMs: positive(env, 'ALERT_WEBHOOK_RETRY_BASE_MS', 1000),
      maxRetryMs: positive(env, 'ALERT_WEBHOOK_RETRY_MAX_MS', 600_000),
      maxAttempts: positive(env, 'ALERT_WEBHOOK_MAX_ATTEMPTS', 20),
      pollMs: positive(env, 'ALERT_WEBHOOK_POLL_MS', 1000),
    },
  };
}
