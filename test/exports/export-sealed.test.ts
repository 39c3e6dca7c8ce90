import { recordEvents } from '../support/events';
import { startSealedServer } from '../support/sealed-server';
import type { TestServer } from '../support/server';
import { serviceToken } from '../support/tokens';
import { comparable, download, eventsFromCsv, listedEvents, startExport, waitForStatus } from './export-support';

const ERASE = `mutation($subjectId: ID!, $reason: String!) { eraseSubject(subjectId: $subjectId, reason: $reason) { subjectId } }`;
const FORMATS = ['CSV', 'JSON', 'NDJSON'] as const;
/** The events recorded here, not the ones the service records of its readers. */
const FILTER = { actorIds: ['alice', 'bob', 'svc'] };

const ALICE = { id: 'alice', email: 'Alice.Smith@example.com' };
const BOB = { id: 'bob', email: 'bob@example.com' };
/** What of Alice's must be gone from every export after her erasure. */
const ALICE_PLAINTEXT = [
  'Alice.Smith@example.com',
  '198.51.100.7',
  'Alice "the first", agent',
  'Lyon',
  'alice@home.example',
  '+33 1 11',
];

/** Alice's and Bob's events: as actors (with values CSV must quote), as `User` records, and a marked Contact field. */
const EVENTS = [
  {
    actor: ALICE,
    action: 'LOGIN',
    ipAddress: '198.51.100.7',
    userAgent: 'Alice "the first", agent',
    location: { country: 'FR', city: 'Lyon' },
    metadata: { note: 'line one\nline two' },
  },
  {
    actor: BOB,
    action: 'UPDATE',
    entityType: 'User',
    entityId: 'alice',
    ipAddress: '198.51.100.8',
    changes: [
      { field: 'phone', oldValue: '+33 1 11', newValue: null },
      { field: 'email', oldValue: null, newValue: 'alice@home.example' },
    ],
  },
  {
    actor: ALICE,
    action: 'UPDATE',
    entityType: 'Contact',
    entityId: 'c1',
    changes: [
      { field: 'email', oldValue: 'c1@old.example', newValue: 'c1@new.example' },
      { field: 'stage', oldValue: 'a', newValue: 'b' },
    ],
  },
  { actor: { id: 'svc' }, action: 'VIEW', entityType: 'Report', entityId: 'r1' },
].map((event, index) => ({ ...event, occurredAt: new Date(Date.UTC(2026, 6, 1, 9, 0, index)).toISOString() }));

let server: TestServer;
let admin: string;
let auditor: string;

beforeAll(async () => {
  ({ server, admin, auditor } = await startSealedServer({
    EXPORT_URL_SECRET: 'export-sealed-url-secret',
    EXPORT_POLL_MS: '100',
  }));
  await recordEvents(server, await serviceToken('acme'), EVENTS);
});
afterAll(() => server.stop());

/** The export's file as text and as events. */
async function exported(token: string, format: string): Promise<{ text: string; events: Array<Record<string, any>> }> {
  const started = await startExport(server, token, { format, filter: FILTER });
  const done = await waitForStatus(server, token, started.id, ['SUCCEEDED', 'FAILED']);
  expect(done).toMatchObject({ status: 'SUCCEEDED', rowsWritten: EVENTS.length });
  const body = (await download(done.downloadUrl!)).body;
  const text = body.toString('utf8');
  if (format === 'CSV') return { text, events: eventsFromCsv(body).events };
  if (format === 'JSON') return { text, events: JSON.parse(text) };
  return {
    text,
    events: text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line)),
  };
}

async function expectLikeReads(token: string, format: string): Promise<string> {
  const seen = await listedEvents(server, token, { filter: FILTER });
  const file = await exported(token, format);
  const csv = format === 'CSV';
  expect(file.events.map((event) => comparable(event, csv))).toEqual(seen.map((event) => comparable(event, csv)));
  expect(file.text).not.toContain('pd1:');
  return file.text;
}

describe('exports of personal data stored sealed', () => {
  it.each(FORMATS)('%s: the ADMIN’s holds the plaintext, as auditEvents reads it', async (format) => {
    const text = await expectLikeReads(admin, format);
    for (const plaintext of ['198.51.100.7', 'Lyon', 'alice@home.example', 'c1@new.example', BOB.email])
      expect(text).toContain(format === 'CSV' ? plaintext : JSON.stringify(plaintext).slice(1, -1));
  });

  it.each(FORMATS)('%s: the AUDITOR’s is masked as its reads are, no ciphertext in it', async (format) => {
    const text = await expectLikeReads(auditor, format);
    expect(text).not.toMatch(/198\.51\.100|Lyon|Alice\.Smith|bob@example|c1@/);
    // A `User` record's changes are sealed (the record is a person) but not masked unless marked, as in its reads.
    expect(text).toContain('alice@home.example');
  });

  it('after eraseSubject, Alice’s values leave as null and are named in redactedFields, Bob’s whole', async () => {
    const erased = await server.graphql(ERASE, { subjectId: 'alice', reason: 'GDPR art. 17' }, admin);
    expect(erased.errors).toBeUndefined();
    for (const format of FORMATS) {
      const text = await expectLikeReads(admin, format);
      for (const plaintext of ALICE_PLAINTEXT) expect(text).not.toContain(plaintext);
      expect(text).toContain(BOB.email);
      expect(text).toContain('c1@new.example');
      await expectLikeReads(auditor, format);
    }
    const { events } = await exported(admin, 'NDJSON');
    const login = events.find((event) => event.action === 'LOGIN')!;
    expect(login).toMatchObject({
      actor: { id: 'alice', email: null },
      ipAddress: null,
      location: null,
      redactedFields: ['actorEmail', 'ipAddress', 'userAgent', 'location'],
    });
    const record = events.find((event) => event.entityType === 'User')!;
    expect(record.changes).toEqual([
      { field: 'phone', oldValue: null, newValue: null },
      { field: 'email', oldValue: null, newValue: null },
    ]);
    expect(record.redactedFields).toEqual(['changes.phone', 'changes.email']);
    expect(record.ipAddress).toBe('198.51.100.8');
  });
});
