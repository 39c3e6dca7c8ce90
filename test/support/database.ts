import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Database } from '../../src/db/database';
import { openAuditDatabase } from '../../src/modules';

/** A fresh, migrated database on the run's server; `drop()` removes it. */
export interface TestDatabase {
  url: string;
  db: Database;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.TEST_DATABASE_SERVER_URL;
  if (!url)
    throw new Error(
      'TEST_DATABASE_SERVER_URL is not set: run the tests through jest (see test/support/global-setup.ts)',
    );
  return url;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function admin<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabase(serverUrl(), 'postgres') });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** `migrateTo`: stop after that migration (a test of a later migration's backfill). */
export async function createTestDatabase({ migrateTo }: { migrateTo?: string } = {}): Promise<TestDatabase> {
  const name = `audit_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(serverUrl(), name);
  const db = await openAuditDatabase({ url });
  if (migrateTo) await db.orm.getMigrator().up({ to: migrateTo });
  else await db.migrate();
  return {
    url,
    db,
    async drop() {
      await db.close();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
