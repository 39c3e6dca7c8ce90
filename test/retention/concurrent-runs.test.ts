import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PublicJwk } from '../../src/checkpoints/signed-document';
import { verifyArchiveFolder } from '../../src/retention/offline-verify';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';

const OLD = Date.UTC(2004, 2, 1);
const EVENTS = 31;
const APPLY = `mutation { applyRetention { archived deleted heldBack } }`;

describe('two replicas running retention at once', () => {
  let first: TestServer;
  let second: TestServer;
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'audit-replicas-'));
    const env = { ARCHIVE_URL: folder, RETENTION_INTERVAL: '0', RETENTION_FILE_ROWS: '4' };
    first = await startTestServer({ env });
    second = await startTestServer({ env, database: first.database });
    // Two servers to start, each migrating and starting its workers: more than the default hook time on a loaded machine.
  }, 60_000);
  afterAll(async () => {
    await second.stop();
    await first.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('take turns (an advisory lock): every event is archived once, none lost, none doubled', async () => {
    const events = Array.from({ length: EVENTS }, (_, i) => ({
      actor: { id: `u${i}` },
      action: i % 2 ? 'LOGIN' : 'API_CALL',
      occurredAt: new Date(OLD + i * 86_400_000).toISOString(),
    }));
    await recordEvents(first, await serviceToken('replicas'), events);
    const admin = await adminToken('replicas');
    const runs = await Promise.all([first.graphql(APPLY, {}, admin), second.graphql(APPLY, {}, admin)]);
    expect(runs.map((run) => run.errors)).toEqual([undefined, undefined]);
    const archived = runs.map((run) => run.data!.applyRetention.archived as number);
    // One replica archives everything; the other, let in after it, finds nothing left.
    expect(archived.sort((a, b) => a - b)).toEqual([0, EVENTS]);

    const all = (
      await second.graphql(
        `{ auditEvents(first: 100, includeArchived: true) { edges { node { actor { id } } } } }`,
        {},
        admin,
      )
    ).data!.auditEvents.edges.map((edge: any) => edge.node.actor.id);
    expect(all.sort()).toEqual(events.map((event) => event.actor.id).sort());
    expect((await first.graphql(`{ auditLogIntegrity { ok } }`, {}, admin)).data!.auditLogIntegrity).toEqual({
      ok: true,
    });
    const keys = ((await (await fetch(`${first.url}/.well-known/audit-keys.json`)).json()) as { keys: PublicJwk[] })
      .keys;
    expect(await verifyArchiveFolder(folder, keys)).toMatchObject({ events: EVENTS, problems: [] });
  }, 60_000);
});
