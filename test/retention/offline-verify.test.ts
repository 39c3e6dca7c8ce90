import { mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PublicJwk } from '../../src/checkpoints/signed-document';
import { verifyArchiveFolder } from '../../src/retention/offline-verify';
import { duckdb, sqlText } from '../../src/retention/parquet';
import { recordEvents } from '../support/events';
import { runCommand } from '../support/run-command';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';

const OLD = Date.UTC(2003, 6, 1);

async function parquetFiles(folder: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true }))
    if (entry.isFile() && entry.name.endsWith('.parquet')) found.push(path.join(entry.parentPath, entry.name));
  return found.sort();
}

describe('offline verification of an archive', () => {
  let server: TestServer;
  let folder: string;
  let keysFile: string;
  let keys: PublicJwk[];

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'audit-verify-'));
    server = await startTestServer({
      env: { ARCHIVE_URL: folder, RETENTION_INTERVAL: '0', RETENTION_FILE_ROWS: '10' },
    });
    const events = Array.from({ length: 30 }, (_, i) => ({
      actor: { id: `u${i % 2}`, email: 'a@example.com' },
      action: i % 2 ? 'LOGIN' : 'UPDATE',
      occurredAt: new Date(OLD + i * 3600_000).toISOString(),
      entityType: 'Deal',
      entityId: `d${i}`,
      ipAddress: '2001:DB8::1',
      changes: [{ field: 'amount', oldValue: { v: 1.5e3 }, newValue: i }],
      metadata: { z: 1, a: [true, null] },
    }));
    await recordEvents(server, await serviceToken('auditor'), events);
    const run = await server.graphql(
      `mutation { applyRetention { archived deleted } }`,
      {},
      await adminToken('auditor'),
    );
    expect(run.data!.applyRetention).toEqual({ archived: 30, deleted: 0 });
    keys = ((await (await fetch(`${server.url}/.well-known/audit-keys.json`)).json()) as { keys: PublicJwk[] }).keys;
    keysFile = path.join(folder, '..', `${path.basename(folder)}-keys.json`);
    await writeFile(keysFile, JSON.stringify({ keys }));
  });
  afterAll(async () => {
    await server.stop();
    await rm(folder, { recursive: true, force: true });
    await rm(keysFile, { force: true });
  });

  it('passes on a good archive', async () => {
    const report = await verifyArchiveFolder(folder, keys);
    expect(report).toMatchObject({ events: 30, problems: [] });
    expect(report.files).toBe(4); // SECURITY and RECORD_CHANGE, 15 each, files of 10
    expect(report.checkpoints).toBe(1);
  });

  it('names the file and the sequence of an edited event, and fails the command', async () => {
    const [file] = await parquetFiles(folder);
    const connection = await duckdb();
    const edited = `${file}.edited`;
    const [{ sequence }] = (
      await connection.runAndReadAll(`SELECT max(sequence)::VARCHAR AS sequence FROM read_parquet(${sqlText(file)})`)
    ).getRowObjectsJS() as Array<{ sequence: string }>;
    await connection.run(
      `COPY (SELECT * REPLACE (CASE WHEN sequence = ${sequence} THEN 'mallory' ELSE actor_id END AS actor_id)
             FROM read_parquet(${sqlText(file)})) TO ${sqlText(edited)} (FORMAT parquet)`,
    );
    connection.closeSync();
    await rename(edited, file);
    const relative = path.relative(folder, file);

    const report = await verifyArchiveFolder(folder, keys);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        { file: relative, problem: 'SHA-256 differs from the manifest' },
        { file: relative, sequence, problem: 'event does not match its hash' },
      ]),
    );
    const cli = await runCommand('npx', [
      'ts-node',
      '--transpile-only',
      'scripts/verify.ts',
      folder,
      '--keys',
      keysFile,
    ]);
    expect(cli.status).toBe(1);
    expect(cli.stdout).toContain(`FAIL ${relative} sequence ${sequence}: event does not match its hash`);
  }, 60_000);
});
