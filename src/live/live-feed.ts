import type { Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { Authenticate } from '../auth/verify-token';
import type { Limits } from '../config';
import type { Database } from '../db/database';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { Services } from '../server/context';
import type { FanoutTransport } from './fanout-transport';
import { LiveHub } from './live-hub';
import { LiveMetrics } from './live-metrics';
import { openLiveReadPool } from './live-read-pool';
import { loadLiveOptions } from './live-options';
import { PostgresFanout } from './postgres-fanout';
import { RedisFanout } from './redis-fanout';
import { startSubscriptionServer } from './subscription-server';

export interface LiveFeed {
  transport: FanoutTransport;
  /** Closes the sockets cleanly, then stops listening for commits. */
  stop(): Promise<void>;
}

export interface LiveFeedDeps {
  httpServer: Server;
  schema: GraphQLSchema;
  limits: Limits;
  /** Introspection is answered over WebSocket (as over HTTP: not in production). */
  introspection: boolean;
  authenticate: Authenticate;
  services: Services;
  db: Database;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Serves `auditEventRecorded` over WebSocket and wires the writers to announce their commits.
 * Settings come from the environment (see live-options.ts).
 * @throws Error for a malformed setting, or when Redis is configured and cannot be reached.
 */
export async function startLiveFeed({
  httpServer,
  schema,
  limits,
  introspection,
  authenticate,
  services,
  db,
  metrics,
  logger,
}: LiveFeedDeps): Promise<LiveFeed> {
  const options = loadLiveOptions();
  const log = logger.child({ feature: 'live' });
  const url = db.orm.config.getClientUrl();
  const transport: FanoutTransport = options.redisUrl
    ? new RedisFanout(options.redisUrl, new URL(url).pathname.slice(1) || 'default', log)
    : new PostgresFanout(url, log);
  const liveMetrics = new LiveMetrics(metrics.registry);
  const reads = openLiveReadPool(db.knex, options.readPoolSize);
  const hub = new LiveHub(reads, options, liveMetrics, log);
  await transport.start(hub);
  services.announcer = transport.announcer;
  const previous = services.onCommitted;
  services.onCommitted = (batch) => {
    previous?.(batch);
    transport.published(batch.heads);
  };
  const sockets = startSubscriptionServer(httpServer, {
    schema,
    limits,
    introspection,
    authenticate,
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
      await transport.stop();
      await reads.destroy();
    },
  };
}
