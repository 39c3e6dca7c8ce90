import 'reflect-metadata';
import { DEVELOPMENT_JWT_SECRET } from '../config';
import { loadAppConfig } from '../modules';
import { serve } from './serve';

/** The production entry point: `DATABASE_URL` is required (`npm start` adds an embedded database in development). */
async function main(): Promise<void> {
  const config = loadAppConfig();
  if (!config.databaseUrl) throw new Error('DATABASE_URL must be set (npm start provides an embedded one)');
  if (config.auth.jwtSecret === DEVELOPMENT_JWT_SECRET)
    process.stderr.write('AUTH_JWT_SECRET is not set: tokens are checked with the development secret\n');
  await serve({ config, databaseUrl: config.databaseUrl });
}

main().catch((err: unknown) => {
  process.stderr.write(`audit-subgraph could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
