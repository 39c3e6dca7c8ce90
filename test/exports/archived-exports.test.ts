import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';
import { recordEvents } from '../support/events';
import {
  comparable,
  download,
  eventsFromCsv,
  listedEvents,
  maybeGunzip,
  startExport,
  START_EXPORT,
  waitForStatus,
} from './export-support';

// Far in the past against every retention range whatever today is: retention archives them.
const OLD = Date.UTC(2001, 2, 1);

function oldEvents(count: number): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, index) => ({
    occurredAt: new Date(OLD + index * 3600_000).toISOString(),
    actor: { id: `u${index % 3}`, email: `person${index % 3}@example.com`, role: 'SALES' },
    action: index % 2 ? 'UPDATE' : 'LOGIN',
    entityType: index % 4 === 0 ? 'Contract' : 'Lead',
    entityId: `rec-${index},"x"`,
    changes: index % 2 ? [{ field: 'notes', oldValue: 'a, "b"\nc', newValue: { n: index, text: 'ünïcödé ✓' } }] : [],
    ipAddress: index % 5 === 0 ? '2001:db8::7' : `198.51.100.${index}`,
    userAgent: `Agent "${index}"`,
    metadata: { note: `line one\r\nline two, ${index}`, nested: { b: 2, a: 1 } },
  }));
}

let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startTestServer({
    env: {
      EXPORT_URL_SECRET: 'archived-exports-secret',
      EXPORT_POLL_MS: '100',
      RETENTION_INTERVAL: '0',
      RETENTION_FILE_ROWS: '7',
    },
  });
  admin = await adminToken();
  await recordEvents(server, await serviceToken(), oldEvents(40));
  await recordEvents(server, await serviceToken(), [
    { actor: { id: 'u1' }, action: 'UPDATE', entityType: 'Contract', entityId: 'now' },
  ]);
  // Held events stay live among the archived ones of the same hours: the export must merge, not append.
  const hold = await server.graphql(
    `mutation { placeLegalHold(reason: "case 7", match: "entity:Contract user:u0") { id } }`,
    {},
    admin,
  );
  expect(hold.errors).toBeUndefined();
  const applied = await server.graphql(`mutation { applyRetention { archived heldBack } }`, {}, admin);
  expect(applied.data!.applyRetention).toEqual({ archived: 36, heldBack: 4 });
});
afterAll(() => server.stop());

async function exported(format: string, gzip: boolean, criteria: Record<string, unknown>) {
  const started = await startExport(server, admin, { format, gzip, includeArchived: true, ...criteria });
  const done = await waitForStatus(server, admin, started.id, ['SUCCEEDED', 'FAILED']);
  expect(done.status).toBe('SUCCEEDED');
  const text = maybeGunzip((await download(done.downloadUrl!)).body, gzip);
  let events: Array<Record<string, any>>;
  if (format === 'CSV') events = eventsFromCsv(text).events;
  else if (format === 'JSON') events = JSON.parse(text.toString('utf8'));
  else
    events = text
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
  expect(done.rowsWritten).toBe(events.length);
  return events;
}

describe('an export with includeArchived equals auditEvents(includeArchived: true)', () => {
  it.each([
    ['CSV', false, {}],
    ['NDJSON', true, { search: 'action:UPDATE' }],
    ['JSON', false, { filter: { actorIds: ['u0', 'u1'] }, search: '-ip:2001:db8::/32' }],
  ])('%s (gzip: %s) %j', async (format, gzip, criteria) => {
    // Its own EXPORT events are live and newer: leave them out of both sides.
    const expected = (await listedEvents(server, admin, { ...criteria, includeArchived: true })).filter(
      (event) => event.action !== 'EXPORT',
    );
    const live = await listedEvents(server, admin, criteria);
    expect(expected.length).toBeGreaterThan(live.filter((event) => event.action !== 'EXPORT').length);
    const events = (await exported(format, gzip, criteria)).filter((event) => event.action !== 'EXPORT');
    const csv = format === 'CSV';
    expect(events.map((event) => comparable(event, csv))).toEqual(expected.map((event) => comparable(event, csv)));
  });

  it('without includeArchived: the live events only', async () => {
    const started = await startExport(server, admin, { format: 'NDJSON', filter: { actions: ['LOGIN'] } });
    const done = await waitForStatus(server, admin, started.id, ['SUCCEEDED']);
    const held = await listedEvents(server, admin, { filter: { actions: ['LOGIN'] } });
    expect(done.rowsWritten).toBe(held.length);
  });

  it('refuses it for a PDF report, naming the argument', async () => {
    const refused = await server.graphql(START_EXPORT, { input: { format: 'PDF', includeArchived: true } }, admin);
    expect(refused.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.includeArchived' });
  });
});
