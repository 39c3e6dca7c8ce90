import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../dev/embedded';
import { resolveDatabaseUrl } from '../../dev/resolve-database-url';

async function query<T extends Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'audit-subgraph-embedded-test-'));
    await chmod(root, 0o755);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('initialises an empty data directory, keeps the data across a restart, and uses no password', async () => {
    const dataDir = path.join(root, 'restart');
    const first = await startEmbeddedPostgres({ dataDir, durable: false });
    try {
      expect(first.url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      await query(first.url, `CREATE TABLE kept (value text); INSERT INTO kept VALUES ('survives')`);
    } finally {
      await first.stop();
    }
    await first.stop(); // idempotent

    const second = await startEmbeddedPostgres({ dataDir, durable: false });
    try {
      expect(await query(second.url, 'SELECT value FROM kept')).toEqual([{ value: 'survives' }]);
      const [settings] = await query<{ encoding: string; listen: string }>(
        second.url,
        `SELECT pg_encoding_to_char(encoding) AS encoding, current_setting('listen_addresses') AS listen
           FROM pg_database WHERE datname = current_database()`,
      );
      expect(settings).toEqual({ encoding: 'UTF8', listen: '127.0.0.1' });
      expect(await query(second.url, `SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'`)).toEqual([
        { rolpassword: null },
      ]);
    } finally {
      await second.stop();
    }
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false); // a clean shutdown
  });

  it('reuses the server already running on the same data directory', async () => {
    const dataDir = path.join(root, 'shared');
    const owner = await startEmbeddedPostgres({ dataDir, durable: false });
    try {
      const guest = await startEmbeddedPostgres({ dataDir, durable: false });
      expect(guest.url).toBe(owner.url);
      await guest.stop(); // leaves the owner's server running
      expect(await query(owner.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await owner.stop();
    }
  });

  it('refuses a non-empty folder that is not a data directory', async () => {
    await expect(startEmbeddedPostgres({ dataDir: path.resolve(__dirname) })).rejects.toThrow(
      /neither empty nor a PostgreSQL data directory/,
    );
  });

  it('resolveDatabaseUrl: DATABASE_URL as given, else the embedded server with an "audit" database', async () => {
    const given = await resolveDatabaseUrl({ databaseUrl: 'postgresql://db.example.com/audit' });
    expect(given).toMatchObject({ url: 'postgresql://db.example.com/audit', embedded: false });
    await given.stop();

    const dataDir = path.join(root, 'service');
    for (let start = 0; start < 2; start++) {
      const resolved = await resolveDatabaseUrl({ databaseUrl: undefined }, { dataDir });
      try {
        expect(resolved.embedded).toBe(true);
        expect(resolved.url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/audit$/);
        expect(await query(resolved.url, 'SELECT current_database() AS db')).toEqual([{ db: 'audit' }]);
      } finally {
        await resolved.stop();
      }
    }
  });
});
