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
import { CommitBus } from '../core/commit-bus';
import { createRequestContext, createServices, type RequestContext, type Services } from '../core/context';
import type { AuditModule, RunningModule } from '../core/module';
import type { Database } from '../db/database';
import { openPoolLike } from '../db/read-pool';
import { executionOptions } from '../execution/executor';
import { formatGraphQLError, logInternalErrors } from '../execution/graphql-errors';
import { documentLimitsMiddleware, queryLimitsPlugin } from '../execution/query-limits';
import { subscriptionsOverHttpRefused } from '../execution/subscriptions-over-http';
import { explorerRoutes } from '../explorer/explorer-routes';
import type { Logger } from '../observability/logger';
import { Metrics } from '../observability/metrics';
import { buildAuditSchema } from '../schema/build-schema';
import { requestBodyErrors } from '../execution/body-errors';
import { healthRoutes } from './health-routes';
import { requestIdMiddleware, requestIdOf } from '../net/request-id';

/** Connections for reading the audit log, apart from the shared pool that writers hold while they wait. */
const READ_POOL_SIZE = 10;
const READS_APPLICATION_NAME = 'audit-subgraph-reads';

export interface App {
  httpServer: Server;
  services: Services;
  /** Listens on `port` (0: any free port); resolves with the base URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Stops taking requests, lets those in flight finish (writes included), then stops the modules. */
  stop(): Promise<void>;
}

/**
 * Wires the modules into one HTTP server: their schema and rules, their background workers, and
 * the commit bus between them. The database is the caller's to open and close.
 */
export async function createApp(
  config: AppConfig,
  db: Database,
  logger: Logger,
  modules: readonly AuditModule[],
): Promise<App> {
  const metrics = new Metrics();
  const bus = new CommitBus(logger);
  const reads = openPoolLike(db.knex, {
    size: READ_POOL_SIZE,
    applicationName: READS_APPLICATION_NAME,
    statementTimeoutMs: config.limits.readStatementTimeoutMs,
  });
  const services = createServices({
    knex: db.knex,
    reads,
    orm: db.orm,
    logger,
    metrics,
    bus,
    outbound: config.outbound,
  });
  const authenticate = createAuthenticator(config.auth);
  const schema = await buildAuditSchema(modules);

  const app = express();
  app.disable('x-powered-by');
  app.use(requestIdMiddleware);
  const httpServer = createServer(app);
  httpServer.keepAliveTimeout = config.keepAliveTimeoutMs;
  // Node's default headersTimeout (60 s) would end a reused connection before its keep-alive time.
  httpServer.headersTimeout = config.keepAliveTimeoutMs + 1_000;
  const apollo = new ApolloServer<RequestContext>({
    ...executionOptions(schema, config.executor),
    logger,
    formatError: formatGraphQLError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns the signals: it stops the app, then the database, in that order.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints are set here; the default plugin cost ~5 µs on every field of every response.
      ApolloServerPluginCacheControlDisabled(),
      queryLimitsPlugin(() => schema, config.limits),
      subscriptionsOverHttpRefused,
      {
        async requestDidStart() {
          return {
            async didEncounterErrors({ errors, contextValue }) {
              logInternalErrors(contextValue.log, errors);
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.use(healthRoutes(db, metrics));
  for (const module of modules) {
    if (module.routes) app.use(module.routes({ config, services, logger, schema, authenticate }));
  }
  // GraphiQL for browsers (GET with Accept: text/html); everything else at /graphql goes on to Apollo.
  if (config.explorerEnabled) app.use('/graphql', explorerRoutes(config, schema));
  app.use(
    '/graphql',
    express.json({ limit: config.limits.maxBodyBytes }),
    documentLimitsMiddleware(config.limits),
    expressMiddleware(apollo, {
      context: async ({ req, res }) =>
        createRequestContext(
          services,
          await authenticate(req.get('authorization')),
          requestIdOf(res),
          `${req.protocol}://${req.get('host')}`,
        ),
    }),
  );
  app.use(requestBodyErrors(logger));

  const running: RunningModule[] = [];
  try {
    for (const module of modules) {
      const worker = await module.start?.({
        config,
        db,
        services,
        bus,
        logger,
        http: { server: httpServer, schema, authenticate },
      });
      if (worker) running.push(worker);
    }
  } catch (error) {
    await stopAll(running);
    await apollo.stop();
    await reads.destroy();
    throw error;
  }

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
      await stopAll(running);
      await apollo.stop();
      await reads.destroy();
    },
  };
}

/** In reverse order of start: a module stops before those it was started after. */
async function stopAll(running: RunningModule[]): Promise<void> {
  for (const worker of running.reverse()) await worker.stop();
}
