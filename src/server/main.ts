import 'reflect-metadata';
import { loadConfig, DEVELOPMENT_JWT_SECRET } from '../config';
import { openDatabase } from '../db/database';
import { resolveDatabaseUrl } from '../db/resolve-database-url';
import { createLogger } from '../observability/logger';
import { createApp } from './app';

/** `npm start`: database (given or embedded), migrations, then the subgraph until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  if (config.auth.jwtSecret === DEVELOPMENT_JWT_SECRET)
    logger.warn('AUTH_JWT_SECRET is not set: tokens are checked with the development secret (refused in production)');

  const database = await resolveDatabaseUrl(config, { log: (line) => logger.debug({ embedded: true }, line) });
  const db = await openDatabase({ url: database.url, log: (message) => logger.info(message) });
  const applied = await db.migrate();
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema up to date');
  const app = await createApp(config, db, logger);
  const url = await app.listen(config.port);
  logger.info({ url: `${url}/graphql`, embeddedDatabase: database.embedded }, 'audit-subgraph is serving');
  if (!config.production)
    process.stdout.write(
      `\naudit-subgraph serves ${url}/graphql (open it in a browser for the explorer)\n` +
        `A development token: npm run token -- --role ADMIN --org demo\n` +
        `Demo data: npm run seed\n\n`,
    );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing requests in flight');
    try {
      await app.stop();
      logger.debug('app stopped');
      await db.close();
      logger.debug('database connections closed');
      await database.stop();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'unclean stop');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`audit-subgraph could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
