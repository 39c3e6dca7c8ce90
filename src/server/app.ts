import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { createAuthenticator } from '../auth/verify-token';
import type { AppConfig } from '../config';
import type { Database } from '../db/database';
import { PartitionKeeper } from '../events/partitions';
import { explorerRoutes } from '../explorer/explorer-routes';
import { startLiveFeed } from '../live/live-feed';
import { startAlerts } from '../alerts/alerts-runtime';
import type { Logger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { buildAuditSchema } from '../schema/build-schema';
import { createRequestContext, type RequestContext, type Services } from './context';
import { requestBodyErrors } from './body-errors';
import { createErrorFormatter } from './format-error';
import { healthRoutes } from './health-routes';
import { jitGateway } from './jit-executor';
import { queryLimitsPlugin } from './query-limits';

export interface App {
  httpServer: Server;
  services: Services;
  /** Listens on `port` (0: any free port); resolves with the base URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Stops taking requests, lets those in flight finish (writes included), then returns. */
  stop(): Promise<void>;
}

/** Wires the features into one HTTP server; the database is the caller's to open and close. */
export async function createApp(config: AppConfig, db: Database, logger: Logger): Promise<App> {
  const metrics = new Metrics();
  const partitions = new PartitionKeeper(db.knex);
  await partitions.prepareAhead();
  const services: Services = { knex: db.knex, orm: db.orm, partitions, metrics, logger, revert: config.revert };
  const authenticate = createAuthenticator(config.auth);
  const schema = await buildAuditSchema();

  const app = express();
  app.disable('x-powered-by');
  const httpServer = createServer(app);
  const apollo = new ApolloServer<RequestContext>({
    // The schema, executed by compiled queries (graphql-jit): see jit-executor.ts.
    gateway: jitGateway(schema),
    logger,
    formatError: createErrorFormatter(logger),
    includeStacktraceInErrorResponses: false,
    // main.ts owns the signals: it stops the app, then the database, in that order.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints are set here; the default plugin cost ~5 µs on every field of every response.
      ApolloServerPluginCacheControlDisabled(),
      queryLimitsPlugin(() => schema, config.limits),
    ],
  });
  await apollo.start();

  app.use(healthRoutes(db, metrics));
  // GraphiQL for browsers (GET with Accept: text/html); everything else at /graphql goes on to Apollo.
  if (config.explorerEnabled) app.use('/graphql', explorerRoutes(config, schema));
  app.use(
    '/graphql',
    express.json({ limit: config.limits.maxBodyBytes }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = req.get('x-request-id') || randomUUID();
        res.setHeader('x-request-id', requestId);
        return createRequestContext(services, await authenticate(req.get('authorization')), requestId);
      },
    }),
  );
  app.use(requestBodyErrors(logger));

  const live = await startLiveFeed({
    httpServer,
    schema,
    limits: config.limits,
    authenticate,
    services,
    db,
    metrics,
    logger,
  });
  const alerts = await startAlerts({ ...config.alerts, geoipDbPath: config.geoipDbPath }, db, services, logger);

  const partitionTimer = setInterval(() => {
    partitions.prepareAhead().catch((err) => logger.error({ err }, 'could not create partitions ahead'));
  }, 6 * 3600_000).unref();

  return {
    httpServer,
    services,
    listen: (port, host) =>
      new Promise((resolve) => {
        httpServer.listen(port, host, () => {
          const { port: bound } = httpServer.address() as AddressInfo;
          resolve(`http://${host ?? 'localhost'}:${bound}`);
        });
      }),
    async stop() {
      clearInterval(partitionTimer);
      await alerts.stop();
      await live.stop();
      await apollo.stop();
    },
  };
}
