import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PublicJwk } from '../../src/checkpoints/signed-document';
import { verifyArchiveFolder } from '../../src/retention/offline-verify';
import { recordEvents } from '../support/events';
import { runCommand } from '../support/run-command';
import { startTestServer, TEST_SIGNING_KEY, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';

const OLD = Date.UTC(2005, 9, 1);
const EVENTS = 23;

describe('a retention run killed in the middle', () => {
  let server: TestServer;
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'audit-crash-'));
    server = await startTestServer({ env: { ARCHIVE_URL: folder, RETENTION_INTERVAL: '0', RETENTION_FILE_ROWS: '5' } });
  });
  afterAll(async () => {
    await server.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('loses nothing and doubles nothing when the next run resumes it', async () => {
    const events = Array.from({ length: EVENTS }, (_, i) => ({
      actor: { id: `u${i}` },
      action: i % 3 ? 'LOGIN' : 'API_CALL',
      occurredAt: new Date(OLD + i * 86_400_000).toISOString(),
    }));
    await recordEvents(server, await serviceToken('crash'), events);
    const child = await runCommand(
      'npx',
      [
        'ts-node',
        '--transpile-only',
        path.join(__dirname, 'crash-child.ts'),
        server.database.url,
        folder,
        'crash',
        '2',
      ],
      { ...process.env, AUDIT_SIGNING_KEY: TEST_SIGNING_KEY },
    );
    // Killed by SIGKILL: reported as the signal, or as status 128 + 9 where node runs under a wrapper.
    expect({
      killed: child.signal === 'SIGKILL' || child.status === 137,
      stderr: child.stderr.replace(/^Killed\s*/, ''),
    }).toEqual({ killed: true, stderr: '' });

    const admin = await adminToken('crash');
    const run = (await server.graphql(`mutation { applyRetention { archived deleted heldBack } }`, {}, admin)).data!
      .applyRetention;
    // The two files the killed run recorded are taken out of the live table by this run, not archived again.
    expect(run).toEqual({ archived: EVENTS - 10, deleted: 0, heldBack: 0 });
    const all = (
      await server.graphql(
        `{ auditEvents(first: 100, includeArchived: true) { edges { node { actor { id } } } } }`,
        {},
        admin,
      )
    ).data!.auditEvents.edges.map((edge: any) => edge.node.actor.id);
    expect(all.sort()).toEqual(events.map((event) => event.actor.id).sort());
    const live = (await server.graphql(`{ auditEvents(first: 100) { edges { cursor } } }`, {}, admin)).data!.auditEvents
      .edges;
    expect(live).toEqual([]);
    const integrity = (await server.graphql(`{ auditLogIntegrity { ok } }`, {}, admin)).data!.auditLogIntegrity;
    expect(integrity).toEqual({ ok: true });
    const keys = ((await (await fetch(`${server.url}/.well-known/audit-keys.json`)).json()) as { keys: PublicJwk[] })
      .keys;
    expect(await verifyArchiveFolder(folder, keys)).toMatchObject({ events: EVENTS, problems: [] });
  }, 60_000);
});
