import type { AppConfig } from '../config';
import { createLogger, type Logger } from '../observability/logger';
import { modules, openAuditDatabase } from '../modules';
import { createApp } from './app';

export interface ServeOptions {
  config: AppConfig;
  databaseUrl: string;
  /** Runs after the database is closed, when the process stops (development: the embedded server). */
  afterStop?: () => Promise<void>;
  /** Printed once serving; development prints how to get a token. */
  onServing?: (url: string, logger: Logger) => void;
}

/** Migrations, then the subgraph until SIGINT/SIGTERM; exits the process when stopped. */
export async function serve({ config, databaseUrl, afterStop, onServing }: ServeOptions): Promise<void> {
  const logger = createLogger(config.logLevel);
  const db = await openAuditDatabase({ url: databaseUrl, log: (message) => logger.info(message) });
  const applied = await db.migrate();
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema up to date');
  const app = await createApp(config, db, logger, modules);
  const url = await app.listen(config.port);
  logger.info({ url: `${url}/graphql` }, 'audit-subgraph is serving');
  onServing?.(url, logger);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing requests in flight');
    try {
      await app.stop();
      await db.close();
      await afterStop?.();
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
