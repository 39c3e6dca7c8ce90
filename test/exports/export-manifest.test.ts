import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PublicJwk } from '../../src/checkpoints/signed-document';
import { verifyArchiveFolder } from '../../src/retention/offline-verify';
import { recordEvents } from '../support/events';
import { runCommand } from '../support/run-command';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';
import { startExport, waitForStatus } from './export-support';

let folder: string;
let keysFile: string;
let keys: PublicJwk[];
let server: TestServer;
const exported = new Map<string, { id: string; rowsWritten: number }>();

/** The command an auditor runs, with its exit status and output. */
function verifyCommand(...args: string[]) {
  return runCommand('npx', ['ts-node', '--transpile-only', 'scripts/verify.ts', ...args, '--keys', keysFile]);
}

async function fileOf(name: string): Promise<string> {
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true }))
    if (entry.isFile() && entry.name === name) return path.join(entry.parentPath, entry.name);
  throw new Error(`${name} is not in ${folder}`);
}

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'audit-export-verify-'));
  server = await startTestServer({ env: { ARCHIVE_URL: folder, EXPORT_POLL_MS: '100' } });
  await recordEvents(
    server,
    await serviceToken(),
    Array.from({ length: 25 }, (_, index) => ({
      actor: { id: `u${index % 3}` },
      action: index % 2 ? 'UPDATE' : 'DELETE',
      entityType: 'Deal',
      entityId: `deal-${index}`,
      metadata: { note: `a "quoted", value\nover two lines ${index}` },
    })),
  );
  const admin = await adminToken();
  for (const [name, input] of [
    ['csv', { format: 'CSV', filter: { actions: ['UPDATE'] } }],
    ['ndjson.gz', { format: 'NDJSON', gzip: true }],
    ['json', { format: 'JSON', filter: { actions: ['DELETE'] } }],
    ['empty json', { format: 'JSON', filter: { actions: ['LOGIN'] } }],
  ] as const) {
    const started = await startExport(server, admin, input);
    exported.set(name, await waitForStatus(server, admin, started.id, ['SUCCEEDED']));
  }
  keys = ((await (await fetch(`${server.url}/.well-known/audit-keys.json`)).json()) as { keys: PublicJwk[] }).keys;
  keysFile = path.join(tmpdir(), `${path.basename(folder)}-keys.json`);
  await writeFile(keysFile, JSON.stringify({ keys }));
});
afterAll(async () => {
  await server.stop();
  await rm(folder, { recursive: true, force: true });
  await rm(keysFile, { force: true });
});

jest.setTimeout(60_000);

it('signs each export’s manifest, whose figures the offline verifier checks', async () => {
  const csv = exported.get('csv')!;
  const manifest = JSON.parse(await readFile(await fileOf(`audit-export-${csv.id}.manifest.json`), 'utf8'));
  expect(manifest).toMatchObject({
    version: 1,
    exportId: csv.id,
    rowCount: csv.rowsWritten,
    keyId: keys[0].kid,
    chainHeads: [
      { tenantId: 'acme', sequence: expect.stringMatching(/^\d+$/), hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ],
  });
  const report = await verifyArchiveFolder(folder, keys);
  expect(report).toMatchObject({ exports: 4, files: 0, problems: [] });
  const one = await verifyCommand('--export', await fileOf(`audit-export-${csv.id}.manifest.json`));
  expect(one.stdout).toContain('OK ');
  expect(one.status).toBe(0);
});

it('fails an altered file and a manifest whose figures were changed, naming the file', async () => {
  const csv = exported.get('csv')!;
  const file = await fileOf(`audit-export-${csv.id}.csv`);
  const original = await readFile(file);
  await writeFile(file, Buffer.from(original.toString('utf8').replace('UPDATE', 'DELETE')));
  const relative = path.relative(folder, file);
  const altered = await verifyCommand(folder);
  expect(altered.status).toBe(1);
  expect(altered.stdout).toContain(`FAIL ${relative}: SHA-256 differs from the manifest`);

  await appendFile(file, 'forged,row\r\n');
  const single = await verifyCommand('--export', await fileOf(`audit-export-${csv.id}.manifest.json`));
  expect(single.status).toBe(1);
  expect(single.stdout).toContain(`FAIL audit-export-${csv.id}.csv: size ${original.length + 12} differs`);
  expect(single.stdout).toContain(`FAIL audit-export-${csv.id}.csv: rowCount ${csv.rowsWritten + 1} differs`);

  const ndjson = exported.get('ndjson.gz')!;
  const manifestFile = await fileOf(`audit-export-${ndjson.id}.manifest.json`);
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
  await writeFile(manifestFile, JSON.stringify({ ...manifest, rowCount: manifest.rowCount - 1 }));
  const report = await verifyArchiveFolder(folder, keys);
  expect(report.problems).toEqual(
    expect.arrayContaining([
      { file: path.relative(folder, manifestFile), problem: 'manifest signature does not verify' },
      {
        file: path.relative(folder, manifestFile).replace('.manifest.json', '.ndjson.gz'),
        problem: `rowCount ${manifest.rowCount} differs from the manifest's ${manifest.rowCount - 1}`,
      },
    ]),
  );
});
