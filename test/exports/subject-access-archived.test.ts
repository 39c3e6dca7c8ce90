import { recordEvents } from '../support/events';
import { startSealedServer } from '../support/sealed-server';
import type { TestServer } from '../support/server';
import { serviceToken } from '../support/tokens';
import { ALICE, START_SUBJECT_ACCESS, alicesEvents, download, waitForStatus, type ExportView } from './export-support';

const MINUTE = 60_000;

// Far in the past against every retention range whatever today is: retention archives them.
const old = (hour: number) => new Date(Date.UTC(2001, 2, 1, hour)).toISOString();

/** Alice's archived events, each one way of being the subject; her email appears only in archived events. */
const ALICES_ARCHIVED = [
  ...alicesEvents(old, { userAgent: 'Alice’s browser' }),
  {
    // Her email as a value of a field no one marked (stored as sent): found through her archived actor events.
    occurredAt: old(4),
    actor: { id: 'bob' },
    action: 'UPDATE',
    entityType: 'Lead',
    entityId: 'l3',
    changes: [{ field: 'contactEmail', oldValue: null, newValue: 'alice.smith@example.com' }],
  },
  {
    // Her email as a marked Contact field: sealed under the Contact's key, not hers.
    occurredAt: old(7),
    actor: { id: 'bob' },
    action: 'UPDATE',
    entityType: 'Contact',
    entityId: 'c9',
    changes: [{ field: 'email', oldValue: 'alice.smith@example.com', newValue: null }],
  },
];
const OTHERS_ARCHIVED = [
  { occurredAt: old(5), actor: { id: 'dave', email: 'dave@example.com' }, action: 'LOGIN', ipAddress: '198.51.100.9' },
  {
    occurredAt: old(6),
    actor: { id: 'bob' },
    action: 'UPDATE',
    entityType: 'Lead',
    entityId: 'l2',
    changes: [{ field: 'owner', oldValue: 'alice-b', newValue: 'dave' }],
  },
  {
    occurredAt: old(8),
    actor: { id: 'bob' },
    action: 'UPDATE',
    entityType: 'Contact',
    entityId: 'c8',
    changes: [{ field: 'email', oldValue: null, newValue: 'dave@example.com' }],
  },
];
const ALICE_LIVE = { actor: { id: 'alice' }, action: 'LOGOUT' };

let server: TestServer;
let admin: string;
let archivedIds: string[];
let liveIds: string[];

beforeAll(async () => {
  ({ server, admin } = await startSealedServer({
    EXPORT_URL_SECRET: 'subject-access-archived-secret',
    EXPORT_POLL_MS: '100',
    RETENTION_INTERVAL: '0',
    RETENTION_FILE_ROWS: '3',
  }));
  const service = await serviceToken('acme');
  archivedIds = await recordEvents(server, service, [...ALICES_ARCHIVED, ...OTHERS_ARCHIVED]);
  liveIds = await recordEvents(server, service, [ALICE_LIVE]);
  const applied = await server.graphql(`mutation { applyRetention { archived heldBack } }`, {}, admin);
  expect(applied.data!.applyRetention).toEqual({ archived: archivedIds.length, heldBack: 0 });
}, 2 * MINUTE);
afterAll(() => server.stop());

describe('startSubjectAccessExport over the archive', () => {
  it(
    'exports the subject’s archived events with her live ones, opened, and no one else’s',
    async () => {
      const started = await server.graphql(START_SUBJECT_ACCESS, { subjectId: 'alice' }, admin);
      expect(started.errors).toBeUndefined();
      const view: ExportView = started.data!.startSubjectAccessExport;
      const done = await waitForStatus(server, admin, view.id, ['SUCCEEDED', 'FAILED']);
      expect(done.status).toBe('SUCCEEDED');
      const body = (await download(done.downloadUrl!)).body.toString('utf8');
      expect(body).not.toContain('pd1:');
      const events: Array<Record<string, any>> = JSON.parse(body);
      expect(events.map((event) => event.id).sort()).toEqual(
        [...archivedIds.slice(0, ALICES_ARCHIVED.length), ...liveIds].sort(),
      );
      const login = events.find((event) => event.id === archivedIds[0]);
      expect(login).toMatchObject({
        actor: ALICE,
        ipAddress: '198.51.100.7',
        userAgent: 'Alice’s browser',
        redactedFields: [],
      });
      expect(events.find((event) => event.id === archivedIds[2])!.changes).toEqual(ALICES_ARCHIVED[2].changes);
      const contact = events.find((event) => event.id === archivedIds[ALICES_ARCHIVED.length - 1])!;
      expect(contact.changes).toEqual(ALICES_ARCHIVED.at(-1)!.changes);
    },
    MINUTE,
  );
});
