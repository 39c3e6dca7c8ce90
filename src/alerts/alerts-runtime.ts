import { Gauge } from 'prom-client';
import type { Database } from '../db/database';
import { PostgresFanout } from '../live/postgres-fanout';
import type { Logger } from '../observability/logger';
import type { Services } from '../server/context';
import type { AlertsConfig } from './alerts-config';
import { GeoLocator } from './detectors/geo-locator';
import { AlertEvaluator } from './evaluation/alert-evaluator';
import { AlertHub } from './live/alert-hub';
import { WebhookWorker } from './webhooks/webhook-worker';

/** The channel of "alerts raised": tenant and last alert serial, like the live feed's commit notices. */
export const ALERT_CHANNEL = 'audit_alerts_raised';

/** What the request handlers reach through `services.alerts`. */
export interface AlertsRuntime {
  hub: AlertHub;
}

export interface RunningAlerts {
  stop(): Promise<void>;
}

/**
 * Starts the evaluator (woken by this replica's commits and by a timer), the webhook worker and the
 * alert fan-out that feeds `auditAlertRaised` on every replica.
 * @throws when GEOIP_DB_PATH names a file that is not an MMDB database.
 */
export async function startAlerts(
  config: AlertsConfig & { geoipDbPath?: string },
  db: Database,
  services: Services,
  logger: Logger,
): Promise<RunningAlerts> {
  const log = logger.child({ feature: 'alerts' });
  if (config.webhook.secret === null)
    log.error('ALERT_WEBHOOK_SECRET is not set: webhook deliveries are kept, and sent once it is set');
  else if (config.webhook.secretIsDefault)
    log.warn('ALERT_WEBHOOK_SECRET is not set: webhooks are signed with a development secret');
  const geo = config.geoipDbPath ? await GeoLocator.open(config.geoipDbPath) : null;
  const fanout = new PostgresFanout(db.orm.config.getClientUrl(), log, ALERT_CHANNEL);
  const hub = new AlertHub(() => db.orm.em.fork(), log);
  new Gauge({
    name: 'audit_alert_subscriptions',
    help: 'Active auditAlertRaised subscriptions on this replica',
    registers: [services.metrics.registry],
    collect() {
      this.set(hub.subscriberCount);
    },
  });
  await fanout.start(hub);
  services.alerts = { hub };
  const { secret } = config.webhook;
  const webhooks = secret === null ? null : new WebhookWorker(db.knex, { ...config.webhook, secret }, log);
  webhooks?.start();
  const announcer = fanout.announcer;
  const evaluator = new AlertEvaluator(
    {
      knex: db.knex,
      geo,
      batchSize: config.evaluationBatchSize,
      log,
      announce: async (trx, tenantId, lastSerial) => {
        await trx.raw('SELECT pg_notify(?, ?)', [
          announcer.channel,
          announcer.payload(new Map([[tenantId, lastSerial]])),
        ]);
      },
    },
    { intervalMs: config.evaluationIntervalMs, busyRetryMs: 200, onRaised: () => webhooks?.wake() },
  );
  if (config.detectorsEnabled) {
    const previous = services.onCommitted;
    services.onCommitted = (batch) => {
      previous?.(batch);
      evaluator.committed(batch);
    };
    evaluator.start();
  }
  return {
    async stop() {
      await evaluator.stop();
      await webhooks?.stop();
      await fanout.stop();
    },
  };
}
