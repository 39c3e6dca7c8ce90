import { serviceKey } from '../core/context';
import type { ModuleRuntime, RunningModule } from '../core/module';
import { SEALED_VALUES } from '../core/sealed-values';
import { Counter, Gauge } from 'prom-client';
import { PostgresFanout } from '../live/postgres-fanout';
import { alertSettings, alertsConfigFrom } from './alerts-config';
import { GeoLocator } from './detectors/geo-locator';
import { AlertEvaluator } from './evaluation/alert-evaluator';
import type { AlertAnnouncer } from './evaluation/evaluate-tenant';
import { AlertHub } from './live/alert-hub';
import { SYSTEM_ALERTS, systemAlertRaiser } from './system-alerts';
import { WebhookWorker } from './webhooks/webhook-worker';

/** The channel of "alerts raised": tenant and last alert serial, like the live feed's commit notices. */
export const ALERT_CHANNEL = 'audit_alerts_raised';

/** What `auditAlertRaised` subscribes to. */
export const ALERT_HUB = serviceKey<AlertHub>('alerts.hub');

/**
 * Starts the evaluator (woken by this replica's commits and by a timer), the webhook worker and the
 * alert fan-out that feeds `auditAlertRaised` on every replica.
 * @throws when GEOIP_DB_PATH names a file that is not an MMDB database.
 */
export async function startAlerts({ config: app, db, services, bus, logger }: ModuleRuntime): Promise<RunningModule> {
  const config = alertsConfigFrom(app.settings.of(alertSettings), app.production);
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
  services.provide(ALERT_HUB, hub);
  const { secret } = config.webhook;
  const webhooks =
    secret === null ? null : new WebhookWorker(db.knex, { ...config.webhook, secret }, services.outbound, log);
  webhooks?.start();
  const wakes = new Counter({
    name: 'audit_alert_evaluation_wakes_total',
    help: 'Tenants woken for alert evaluation on this replica, by trigger (commit, sweep, retry)',
    labelNames: ['trigger'] as const,
    registers: [services.metrics.registry],
  });
  const announcer = fanout.announcer;
  const announce: AlertAnnouncer = async (trx, tenantId, lastSerial) => {
    await trx.raw('SELECT pg_notify(?, ?)', [announcer.channel, announcer.payload(new Map([[tenantId, lastSerial]]))]);
  };
  services.provide(
    SYSTEM_ALERTS,
    systemAlertRaiser(db.knex, announce, () => webhooks?.wake()),
  );
  const evaluator = new AlertEvaluator(
    { knex: db.knex, sealed: services.get(SEALED_VALUES), geo, batchSize: config.evaluationBatchSize, log, announce },
    {
      intervalMs: config.evaluationIntervalMs,
      busyRetryMs: 200,
      onRaised: () => webhooks?.wake(),
      onWake: (trigger) => wakes.inc({ trigger }),
    },
  );
  const stopFollowing = config.detectorsEnabled ? bus.follow((batch) => evaluator.committed(batch)) : () => {};
  if (config.detectorsEnabled) evaluator.start();
  return {
    async stop() {
      stopFollowing();
      await evaluator.stop();
      await webhooks?.stop();
      await fanout.stop();
    },
  };
}
