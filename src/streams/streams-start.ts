import { PERSONAL_FIELD_SOURCE } from '../events/redaction';
import { SEALED_VALUES } from '../core/sealed-values';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';
import { SYSTEM_ALERTS } from '../alerts/system-alerts';
import { AlertSeverity } from '../alerts/alert-enums';
import type { ModuleRuntime, RunningModule } from '../core/module';
import { AuditError, ErrorCode } from '../errors';
import { LISTENER_APPLICATION_NAME, PostgresFanout } from '../live/postgres-fanout';
import { LIVE_CHANNEL } from '../live/commit-notice';
import { SharedStreamReads } from './delivery/shared-reads';
import { StreamScheduler } from './delivery/stream-scheduler';
import { StreamState } from './delivery/stream-state';
import { streamLag } from './stream-lag';
import { StreamSecrets } from './stream-secrets';
import { streamSettings, streamsConfigFrom } from './stream-settings';
import { STREAMS_RUNTIME } from './streams-runtime';

/**
 * Provides the resolvers' runtime and, unless STREAMS_DELIVERY is off, delivers the streams this replica claims:
 * woken by this replica's commits (the commit bus) and by the other replicas' commit notices (the live channel
 * over PostgreSQL), with the poll as the safety net (and the only signal when the live feed runs over Redis).
 */
export async function startStreams({ config: app, db, services, bus, logger }: ModuleRuntime): Promise<RunningModule> {
  const config = streamsConfigFrom(app.settings.of(streamSettings), app.production);
  const log = logger.child({ feature: 'streams' });
  const secrets = new StreamSecrets(config.secretKey);
  if (config.secretKey === null)
    log.error('STREAM_SECRET_KEY is not set: no stream secret can be stored, and streams are not delivered');
  else if (config.secretKeyIsDefault)
    log.warn('STREAM_SECRET_KEY is not set: stream secrets are encrypted with a development key');
  let scheduler: StreamScheduler | null = null;
  services.provide(STREAMS_RUNTIME, { secrets, timeoutMs: config.timeoutMs, changed: () => scheduler?.changed() });
  if (!config.deliveryEnabled || !secrets.available) return { async stop() {} };

  const registers = [services.metrics.registry];
  const labelNames = ['tenant', 'stream'] as const;
  const delivered = new Counter({
    name: 'audit_stream_events_delivered_total',
    help: 'Events acknowledged by a stream’s sink, delivered from this replica',
    labelNames,
    registers,
  });
  const failures = new Counter({
    name: 'audit_stream_delivery_failures_total',
    help: 'Deliveries a stream’s sink did not acknowledge, from this replica',
    labelNames,
    registers,
  });
  const reads = new Counter({
    name: 'audit_stream_reads_total',
    help: 'Reads of new events for the streams this replica delivers: `shared` by the streams of a tenant, `own` by a stream behind them',
    labelNames: ['read'] as const,
    registers,
  });
  const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  const state = new StreamState(db.knex, owner, config.leaseMs);
  scheduler = new StreamScheduler(
    {
      pages: new SharedStreamReads({
        knex: db.knex,
        reads: services.reads,
        sealed: services.get(SEALED_VALUES),
        bufferEvents: config.readBufferEvents,
        onRead: (read) => reads.inc({ read }),
      }),
      personalFields: { of: (tenantId) => services.get(PERSONAL_FIELD_SOURCE).of(tenantId) },
      state,
      config,
      secrets,
      allowList: services.outbound,
      log,
      onDelivered: (stream, count) => delivered.inc({ tenant: stream.tenantId, stream: stream.id }, count),
      onFailed: (stream) => failures.inc({ tenant: stream.tenantId, stream: stream.id }),
      async onFailing(stream, error, first) {
        try {
          await services.get(SYSTEM_ALERTS).raise({
            tenantId: stream.tenantId,
            ruleKey: 'stream-failing',
            ruleName: 'Stream to a SIEM failing',
            severity: AlertSeverity.HIGH,
            summary:
              `Stream "${stream.name}" (${stream.kind}) cannot deliver from sequence ${first.sequence}: ${error}`.slice(
                0,
                1000,
              ),
            groupKey: `stream:${stream.id}`,
            dedupeKey: `stream:${stream.id}:${first.sequence}`,
            events: [first],
          });
        } catch (err) {
          if (!(err instanceof AuditError && err.code === ErrorCode.NotServedHere))
            log.error({ err, stream: stream.id }, 'streams: could not raise the failing stream’s alert');
        }
      },
    },
    (err) => log.error({ err }, 'streams: could not claim streams; retried at the next poll'),
  );
  const held = () => scheduler?.held ?? [];
  new Gauge({
    name: 'audit_streams_delivered_here',
    help: 'Streams this replica delivers now',
    registers,
    collect() {
      this.set(held().length);
    },
  });
  const lagOfHeld = async () =>
    Promise.all(
      held().map(async (key) => {
        const row = await db.knex('audit_streams').where({ tenant_id: key.tenantId, id: key.id }).first();
        if (!row) return null;
        const lag = await streamLag(services.reads, services.get(SEALED_VALUES), {
          tenantId: key.tenantId,
          match: row.match,
          deliveredThroughSequence: String(row.delivered_through_sequence),
        });
        return { key, lag };
      }),
    );
  new Gauge({
    name: 'audit_stream_lag_events',
    help: 'Matching events not yet acknowledged, per stream this replica delivers',
    labelNames,
    registers,
    async collect() {
      this.reset();
      for (const entry of await lagOfHeld())
        if (entry) this.set({ tenant: entry.key.tenantId, stream: entry.key.id }, entry.lag.events);
    },
  });
  new Gauge({
    name: 'audit_stream_lag_seconds',
    help: 'Age of the oldest matching event not yet acknowledged, per stream this replica delivers',
    labelNames,
    registers,
    async collect() {
      this.reset();
      for (const entry of await lagOfHeld())
        if (entry) this.set({ tenant: entry.key.tenantId, stream: entry.key.id }, entry.lag.seconds);
    },
  });
  const notices = new PostgresFanout(
    db.orm.config.getClientUrl(),
    log,
    LIVE_CHANNEL,
    `${LISTENER_APPLICATION_NAME}:streams`,
  );
  await notices.start(scheduler);
  const stopFollowing = bus.follow((batch) => scheduler?.committed(batch));
  scheduler.start();
  return {
    async stop() {
      stopFollowing();
      await notices.stop();
      await scheduler?.stop();
    },
  };
}
