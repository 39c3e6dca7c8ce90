import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AppConfig } from '../../src/config';
import { loadAppConfig, modules } from '../../src/modules';
import { createLogger } from '../../src/observability/logger';
import { createApp, type App } from '../../src/server/app';
import { createTestDatabase, type TestDatabase } from './database';
import { TEST_JWT_SECRET } from './tokens';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: Array<{
    message: string;
    path?: Array<string | number>;
    extensions?: Record<string, any>;
  }>;
}

export interface TestServer {
  url: string;
  app: App;
  database: TestDatabase;
  graphql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/** The checkpoint key of every test server that names none: no development key file is written. */
export const TEST_SIGNING_KEY = generateKeyPairSync('ed25519')
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();

/** A real server on an ephemeral port, over a fresh database of its own (or a shared one). */
export async function startTestServer({
  env = {},
  database,
  logLines,
}: {
  env?: Record<string, string>;
  database?: TestDatabase;
  logLines?: string[];
} = {}): Promise<TestServer> {
  const db = database ?? (await createTestDatabase());
  // Archives and exports go to a folder of the server's own unless the test names a store.
  const archiveFolder = env.ARCHIVE_URL ? undefined : await mkdtemp(path.join(tmpdir(), 'audit-archive-'));
  const config: AppConfig = loadAppConfig({
    NODE_ENV: 'test',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    // The suite runs under each executor (`npm run test:graphql-js`).
    ...(process.env.GRAPHQL_EXECUTOR ? { GRAPHQL_EXECUTOR: process.env.GRAPHQL_EXECUTOR } : {}),
    ...(archiveFolder ? { ARCHIVE_URL: archiveFolder } : {}),
    ...(env.AUDIT_SIGNING_KEY_FILE ? {} : { AUDIT_SIGNING_KEY: TEST_SIGNING_KEY }),
    ...env,
  });
  const app = await createApp(
    config,
    db.db,
    logLines
      ? createLogger('debug', { write: (line: string) => logLines.push(line) })
      : createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    modules,
  );
  const url = await app.listen(0, '127.0.0.1');
  return {
    url,
    app,
    database: db,
    async graphql(query, variables, token) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphQLResponse, 'status'>;
      return { status: response.status, ...body } as GraphQLResponse<any>;
    },
    async stop() {
      await app.stop();
      if (!database) await db.drop();
      if (archiveFolder) await rm(archiveFolder, { recursive: true, force: true });
    },
  };
}
