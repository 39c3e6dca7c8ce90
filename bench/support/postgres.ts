import { Client } from 'pg';

/**
 * Where the benches find PostgreSQL: `BENCH_DATABASE_URL` (any database on the server: the benches
 * create their own databases next to it), else the local server on 127.0.0.1:5432, user postgres.
 */
export function serverUrl(): string {
  return process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** The same server, another database. */
export function databaseUrl(name: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `work` with a client on the server's `postgres` database (to create and drop databases). */
export async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const SAFE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function checkName(name: string): string {
  if (!SAFE_NAME.test(name)) throw new Error(`not a safe database name: ${name}`);
  return name;
}

export const databaseExists = (name: string) =>
  withAdmin(
    async (client) =>
      (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [checkName(name)])).rowCount === 1,
  );

/** Creates `name`, empty or as a copy of `template` (which must have no connections meanwhile). */
export const createDatabase = (name: string, template?: string) =>
  withAdmin((client) =>
    client.query(`CREATE DATABASE ${checkName(name)}${template ? ` TEMPLATE ${checkName(template)}` : ''}`),
  ).then(() => undefined);

export const dropDatabase = (name: string) =>
  withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${checkName(name)} WITH (FORCE)`)).then(() => undefined);

/** The server's version and the settings that matter for these figures, for the report. */
export async function describeServer(client: Client): Promise<string> {
  const { rows } = await client.query(
    `SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS shared_buffers,
            current_setting('synchronous_commit') AS synchronous_commit, current_setting('fsync') AS fsync`,
  );
  const row = rows[0];
  return `PostgreSQL ${row.version} (shared_buffers ${row.shared_buffers}, synchronous_commit ${row.synchronous_commit}, fsync ${row.fsync})`;
}
