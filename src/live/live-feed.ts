import type { ModuleRuntime } from '../core/module';
import { SEALED_VALUES } from '../core/sealed-values';
import type { FanoutTransport } from './fanout-transport';
import { LiveHub } from './live-hub';
import { LiveMetrics } from './live-metrics';
import { openLiveReadPool } from './live-read-pool';
import { liveOptionsFrom, liveSettings } from './live-options';
import { PostgresFanout } from './postgres-fanout';
import { RedisFanout } from './redis-fanout';
import { startSubscriptionServer } from './subscription-server';

export interface LiveFeed {
  transport: FanoutTransport;
  /** Closes the sockets cleanly, then stops listening for commits. */
  stop(): Promise<void>;
}

/**
 * Serves the WebSocket endpoint (`auditEventRecorded`, and the other modules' subscriptions) and
 * announces this replica's commits to the others.
 * @throws Error when Redis is configured and cannot be reached.
 */
export async function startLiveFeed({ config, db, services, bus, logger, http }: ModuleRuntime): Promise<LiveFeed> {
  const options = liveOptionsFrom(config.settings.of(liveSettings));
  const log = logger.child({ feature: 'live' });
  const url = db.orm.config.getClientUrl();
  const transport: FanoutTransport = options.redisUrl
    ? new RedisFanout(options.redisUrl, new URL(url).pathname.slice(1) || 'default', log)
    : new PostgresFanout(url, log);
  const liveMetrics = new LiveMetrics(services.metrics.registry);
  const reads = openLiveReadPool(db.knex, options.readPoolSize);
  const hub = new LiveHub(reads, services.get(SEALED_VALUES), options, liveMetrics, log);
  await transport.start(hub);
  const stopAnnouncing = transport.announcer ? bus.announceWith(transport.announcer) : () => {};
  const stopFollowing = bus.follow((batch) => transport.published(batch.heads));
  const sockets = startSubscriptionServer(http.server, {
    schema: http.schema,
    limits: config.limits,
    introspection: !config.production,
    authenticate: http.authenticate,
    services,
    hub,
    metrics: liveMetrics,
    log,
    flushIntervalMs: options.flushIntervalMs,
  });
  return {
    transport,
    async stop() {
      await sockets.close();
      stopFollowing();
      stopAnnouncing();
      await transport.stop();
      await reads.destroy();
    },
  };
}
