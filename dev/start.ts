import 'reflect-metadata';
import { DEVELOPMENT_JWT_SECRET } from '../src/config';
import { loadAppConfig } from '../src/modules';
import { serve } from '../src/server/serve';
import { resolveDatabaseUrl } from './resolve-database-url';

/** `npm start`: the subgraph on DATABASE_URL, or on an embedded PostgreSQL under `./.data/`. */
async function main(): Promise<void> {
  const config = loadAppConfig();
  const database = await resolveDatabaseUrl(config, { log: (line) => process.stderr.write(`${line}\n`) });
  await serve({
    config,
    databaseUrl: database.url,
    afterStop: () => database.stop(),
    onServing(url, logger) {
      if (config.auth.jwtSecret === DEVELOPMENT_JWT_SECRET)
        logger.warn('AUTH_JWT_SECRET is not set: tokens are checked with the development secret');
      process.stdout.write(
        `\naudit-subgraph serves ${url}/graphql (open it in a browser for the explorer)\n` +
          `Embedded database: ${database.embedded ? 'yes' : 'no (DATABASE_URL)'}\n` +
          `A development token: npm run token -- --role ADMIN --org demo\n` +
          `Demo data: npm run seed\n\n`,
      );
    },
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`audit-subgraph could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
