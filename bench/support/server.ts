import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import type { Database } from '../../src/db/database';
import { loadAppConfig, modules, openAuditDatabase } from '../../src/modules';
import { createLogger } from '../../src/observability/logger';
import { createApp, type App } from '../../src/server/app';
import { BENCH_JWT_SECRET } from './tokens';

/** The key a bench server signs checkpoints with (production mode needs one): new for each run. */
export const BENCH_SIGNING_KEY = generateKeyPairSync('ed25519')
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();

export interface BenchServer {
  url: string;
  app: App;
  db: Database;
  /** POSTs a GraphQL request; resolves with the parsed body (and throws on GraphQL errors). */
  graphql<T = any>(query: string, variables: Record<string, unknown>, token: string): Promise<T>;
  stop(): Promise<void>;
}

/**
 * The real server as `createApp` builds it, on an ephemeral port of 127.0.0.1, over `databaseUrl`
 * (migrated here), configured as in production (NODE_ENV=production; personal data as sent unless `env`
 * gives PERSONAL_DATA_MASTER_KEY) plus `env`. Logs are silent unless
 * BENCH_LOG_LEVEL says otherwise.
 */
export async function startBenchServer(databaseUrl: string, env: Record<string, string> = {}): Promise<BenchServer> {
  const db = await openAuditDatabase({ url: databaseUrl });
  await db.migrate();
  const config = loadAppConfig({
    NODE_ENV: 'production',
    AUTH_JWT_SECRET: BENCH_JWT_SECRET,
    ALERT_WEBHOOK_SECRET: BENCH_JWT_SECRET,
    DATABASE_URL: databaseUrl,
    ...(env.AUDIT_SIGNING_KEY_FILE ? {} : { AUDIT_SIGNING_KEY: BENCH_SIGNING_KEY }),
    ...env,
  });
  const app = await createApp(config, db, createLogger(process.env.BENCH_LOG_LEVEL || 'silent'), modules);
  const url = await app.listen(0, '127.0.0.1');
  return {
    url,
    app,
    db,
    graphql: (query, variables, token) => postGraphQL(`${url}/graphql`, query, variables, token),
    async stop() {
      await app.stop();
      await db.close();
    },
  };
}

export async function postGraphQL<T = any>(
  endpoint: string,
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<T> {
  return postBody<T>(endpoint, JSON.stringify({ query, variables }), token);
}

/** POSTs an already serialised body (so that the client's own JSON work stays out of the timing when it should). */
export async function postBody<T = any>(endpoint: string, body: string, token: string): Promise<T> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  const text = await response.text();
  const parsed = JSON.parse(text) as { data?: T; errors?: unknown[] };
  if (!response.ok || parsed.errors)
    throw new Error(`GraphQL request failed (${response.status}): ${text.slice(0, 500)}`);
  return parsed.data as T;
}
