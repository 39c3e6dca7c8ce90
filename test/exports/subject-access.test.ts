import { recordEvents } from '../support/events';
import { startSealedServer } from '../support/sealed-server';
import type { TestServer } from '../support/server';
import { serviceToken } from '../support/tokens';
import { waitUntil } from '../support/wait';
import { ALICE, START_SUBJECT_ACCESS, alicesEvents, download, waitForStatus, type ExportView } from './export-support';

const ERASE = `mutation($subjectId: ID!, $reason: String!) { eraseSubject(subjectId: $subjectId, reason: $reason) { subjectId } }`;
const ACCESS_EVENTS = `{ auditEvents(filter: { actions: [VIEW], actorIds: ["dpo"] }, first: 100) {
  edges { node { entityId actor { id } metadata } } } }`;
const MINUTE = 60_000;

const at = (second: number) => new Date(Date.UTC(2026, 6, 1, 9, 0, second)).toISOString();

/** Alice's events (each one way of being the subject), then others' that must stay out. */
const ALICES = alicesEvents(at);
/** Her email as a value of a marked (so sealed) field of another record. */
const BY_EMAIL = {
  occurredAt: at(4),
  actor: { id: 'bob' },
  action: 'UPDATE',
  entityType: 'Contact',
  entityId: 'c9',
  changes: [{ field: 'email', oldValue: null, newValue: 'alice.smith@example.com' }],
};
const OTHERS = [
  { occurredAt: at(5), actor: { id: 'dave', email: 'dave@example.com' }, action: 'LOGIN' },
  {
    occurredAt: at(6),
    actor: { id: 'bob' },
    action: 'UPDATE',
    entityType: 'Lead',
    entityId: 'l2',
    changes: [{ field: 'owner', oldValue: 'alice-b', newValue: 'dave' }],
  },
  {
    occurredAt: at(7),
    actor: { id: 'bob' },
    action: 'UPDATE',
    entityType: 'Contact',
    entityId: 'c8',
    changes: [{ field: 'email', oldValue: null, newValue: 'dave@example.com' }],
  },
];

let server: TestServer;
let admin: string;
let auditor: string;
let ids: string[];

beforeAll(async () => {
  ({ server, admin, auditor } = await startSealedServer({
    EXPORT_URL_SECRET: 'subject-access-url-secret',
    EXPORT_POLL_MS: '100',
    ACCESS_LOG_WINDOW_SECONDS: '2',
    ACCESS_LOG_FLUSH_MS: '100',
  }));
  ids = await recordEvents(server, await serviceToken('acme'), [...ALICES, BY_EMAIL, ...OTHERS]);
}, MINUTE);
afterAll(() => server.stop());

/** Alice's subject access export, run to its end and downloaded (JSON, the default). */
async function subjectAccess(): Promise<Array<Record<string, any>>> {
  const started = await server.graphql(START_SUBJECT_ACCESS, { subjectId: 'alice' }, admin);
  expect(started.errors).toBeUndefined();
  const view: ExportView = started.data!.startSubjectAccessExport;
  const done = await waitForStatus(server, admin, view.id, ['SUCCEEDED', 'FAILED']);
  expect(done.status).toBe('SUCCEEDED');
  const body = (await download(done.downloadUrl!)).body.toString('utf8');
  expect(body).not.toContain('pd1:');
  return JSON.parse(body);
}

const byOccurrence = (events: Array<Record<string, any>>) =>
  [...events].sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : 1));

describe('startSubjectAccessExport', () => {
  it('needs EXPORT and READ_PERSONAL_DATA: the AUDITOR is refused', async () => {
    const refused = await server.graphql(START_SUBJECT_ACCESS, { subjectId: 'alice' }, auditor);
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it(
    'exports every event of the subject (actor, impersonator, User record, value in changes, her email sealed), no one else’s',
    async () => {
      const events = byOccurrence(await subjectAccess());
      expect(events.map((event) => event.id)).toEqual(ids.slice(0, ALICES.length + 1));
      expect(events[0]).toMatchObject({ actor: ALICE, ipAddress: '198.51.100.7', redactedFields: [] });
      expect(events[2].changes).toEqual(ALICES[2].changes);
      expect(events[4].changes).toEqual(BY_EMAIL.changes);
    },
    MINUTE,
  );

  it('is recorded as a DATA_ACCESS event of its requester', async () => {
    let views: Array<Record<string, any>> = [];
    await waitUntil(
      async () => {
        views = (await server.graphql(ACCESS_EVENTS, {}, admin)).data!.auditEvents.edges.map((edge: any) => edge.node);
        return views.some((view) => view.entityId === 'DataSubject/alice');
      },
      () => `access events so far: ${JSON.stringify(views)}`,
    );
    expect(views.find((view) => view.entityId === 'DataSubject/alice')).toMatchObject({
      actor: { id: 'dpo' },
      metadata: { field: 'startSubjectAccessExport' },
    });
  });

  it(
    'after her erasure, shows her events with her personal values erased',
    async () => {
      expect(
        (await server.graphql(ERASE, { subjectId: 'alice', reason: 'GDPR art. 17' }, admin)).errors,
      ).toBeUndefined();
      const events = byOccurrence(await subjectAccess());
      // Her email is no longer known (it was only readable under her key): the Contact's value is not hers to find.
      expect(events.map((event) => event.id)).toEqual(ids.slice(0, ALICES.length));
      expect(events[0]).toMatchObject({
        actor: { id: 'alice', email: null },
        ipAddress: null,
        redactedFields: ['actorEmail', 'ipAddress'],
      });
      expect(events[2]).toMatchObject({
        changes: [{ field: 'phone', oldValue: null, newValue: null }],
        redactedFields: ['changes.phone'],
      });
      expect(JSON.stringify(events)).not.toMatch(/Alice\.Smith|198\.51\.100\.7|\+33 1/);
    },
    MINUTE,
  );
});
