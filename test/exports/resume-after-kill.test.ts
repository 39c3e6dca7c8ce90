import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, TEST_JWT_SECRET } from '../support/tokens';
import { waitUntil } from '../support/wait';
import {
  comparable,
  download,
  eventsFromCsv,
  listedEvents,
  readExport,
  startExport,
  waitForStatus,
} from './export-support';

/** Starts a replica process; resolves with its URL once it serves. */
async function startReplicaProcess(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'reflect-metadata', path.join(__dirname, 'replica-process.ts')],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /listening (\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('exit', (code) => reject(new Error(`the replica exited (${code}): ${output}`)));
  });
  return { url, child };
}

let database: TestDatabase;
let archive: string;
let writer: TestServer;

beforeAll(async () => {
  database = await createTestDatabase();
  archive = await mkdtemp(path.join(tmpdir(), 'audit-exports-shared-'));
  // Records events; runs no exports of its own.
  writer = await startTestServer({ database, env: { ARCHIVE_URL: archive, EXPORT_WORKER: 'false' } });
  await recordEvents(
    writer,
    await serviceToken(),
    Array.from({ length: 300 }, (_, index) => ({
      occurredAt: new Date(Date.UTC(2026, 2, 1, 0, index)).toISOString(),
      actor: { id: `u${index % 7}` },
      action: 'UPDATE',
      entityType: 'Deal',
      entityId: `deal-${index}`,
      metadata: { text: `row ${index}, "quoted"\nnext line` },
    })),
  );
});
afterAll(async () => {
  await writer.stop();
  await database.drop();
  await rm(archive, { recursive: true, force: true });
});

// A replica process starts in a few seconds on a loaded machine, and the lease of the killed one must lapse.
jest.setTimeout(60_000);

it('finishes an export on another replica after the one writing it was killed', async () => {
  const admin = await adminToken();
  const env = {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    ARCHIVE_URL: archive,
    EXPORT_MAX_ROWS_PER_SECOND: '60',
    EXPORT_LEASE_MS: '1500',
    LOG_LEVEL: 'silent',
  };
  const doomed = await startReplicaProcess(env);
  const viaDoomed: TestServer = {
    ...writer,
    url: doomed.url,
    async graphql(query, variables, token) {
      const response = await fetch(`${doomed.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
  };
  const started = await startExport(viaDoomed, admin, { format: 'CSV' });
  await waitUntil(
    async () => (await readExport(writer, admin, started.id)).rowsWritten > 0,
    () => 'the doomed replica did not start writing',
    20_000,
  );
  doomed.child.kill('SIGKILL');
  // Killed while writing (rows are counted as PostgreSQL hands them over, ahead of the throttled write).
  expect((await readExport(writer, admin, started.id)).status).toBe('RUNNING');

  const survivor = await startTestServer({ database, env: { ARCHIVE_URL: archive, EXPORT_POLL_MS: '100' } });
  try {
    const done = await waitForStatus(survivor, admin, started.id, ['SUCCEEDED', 'FAILED'], 30_000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 300, rowsTotal: 300 });
    const file = await download(done.downloadUrl!);
    expect(createHash('sha256').update(file.body).digest('hex')).toBe(done.sha256);
    const lines = file.body.toString('utf8');
    expect(lines.startsWith('id,tenantId,sequence,')).toBe(true);
    const expected = await listedEvents(survivor, admin, {});
    const exported = eventsFromCsv(file.body).events.filter((event) => event.action !== 'EXPORT');
    // No duplicate and no gap: each of the 300 events recorded once, newest first.
    const deals = exported.filter((event) => event.entityType === 'Deal');
    expect(deals.map((event) => event.entityId)).toEqual(
      Array.from({ length: 300 }, (_, index) => `deal-${299 - index}`),
    );
    expect(new Set(deals.map((event) => event.id)).size).toBe(300);
    expect(exported.map((event) => comparable(event, true))).toEqual(
      expected.filter((event) => event.action !== 'EXPORT').map((event) => comparable(event, true)),
    );
  } finally {
    await survivor.stop();
  }
});
