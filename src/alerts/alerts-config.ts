import { flag, positive, text, type SettingsOf } from '../core/settings';

/** The alert engine's environment variables. */
export const alertSettings = {
  ALERT_DETECTORS: flag({
    default: true,
    desc: '`off` stops alert evaluation on this replica (alerts are still served)',
  }),
  ALERT_EVALUATION_INTERVAL_MS: positive({
    default: 1000,
    desc: 'sweep for tenants whose alert checkpoint lags their log: the pace for commits that no rule looks at (record changes), and the safety net',
  }),
  ALERT_EVALUATION_BATCH_SIZE: positive({ default: 2000, desc: 'events evaluated per transaction' }),
  ALERT_WEBHOOK_SECRET: text({
    default: undefined,
    desc: 'HMAC-SHA256 key of the `x-audit-signature` header (`sha256=hex(HMAC(secret, "<x-audit-timestamp>.<body>"))`); unset: a development secret with a warning, and in production deliveries wait until it is set',
  }),
  ALERT_WEBHOOK_TIMEOUT_MS: positive({ default: 5000, desc: 'webhook request timeout' }),
  ALERT_WEBHOOK_RETRY_BASE_MS: positive({ default: 1000, desc: 'first retry delay of a webhook (doubling)' }),
  ALERT_WEBHOOK_RETRY_MAX_MS: positive({ default: 600_000, desc: 'longest delay between two webhook retries' }),
  ALERT_WEBHOOK_MAX_ATTEMPTS: positive({
    default: 20,
    desc: 'failed attempts after which a webhook delivery is given up and shown as `FAILED`',
  }),
  ALERT_WEBHOOK_POLL_MS: positive({ default: 1000, desc: 'how often due webhook deliveries are looked for' }),
  GEOIP_DB_PATH: text({
    default: undefined,
    desc: 'MaxMind GeoLite2/GeoIP2 City `.mmdb` for locating IP addresses (impossible travel, new locations)',
  }),
};

/** Alert settings, as the runtime uses them. */
export interface AlertsConfig {
  /** Off: no evaluation on this replica (the bench's baseline); alerts are still served. */
  detectorsEnabled: boolean;
  /** The safety net's period: tenants whose checkpoint lags their log are looked for this often. */
  evaluationIntervalMs: number;
  /** Events evaluated per transaction. */
  evaluationBatchSize: number;
  geoipDbPath?: string;
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

export function alertsConfigFrom(settings: SettingsOf<typeof alertSettings>, production: boolean): AlertsConfig {
  return {
    detectorsEnabled: settings.ALERT_DETECTORS,
    evaluationIntervalMs: settings.ALERT_EVALUATION_INTERVAL_MS,
    evaluationBatchSize: settings.ALERT_EVALUATION_BATCH_SIZE,
    geoipDbPath: settings.GEOIP_DB_PATH,
    webhook: {
      secret: settings.ALERT_WEBHOOK_SECRET ?? (production ? null : DEVELOPMENT_WEBHOOK_SECRET),
      secretIsDefault: !settings.ALERT_WEBHOOK_SECRET,
      timeoutMs: settings.ALERT_WEBHOOK_TIMEOUT_MS,
      retryBaseMs: settings.ALERT_WEBHOOK_RETRY_BASE_MS,
      maxRetryMs: settings.ALERT_WEBHOOK_RETRY_MAX_MS,
      maxAttempts: settings.ALERT_WEBHOOK_MAX_ATTEMPTS,
      pollMs: settings.ALERT_WEBHOOK_POLL_MS,
    },
  };
}
