import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { serviceToken, signToken } from '../support/tokens';
import {
  READ_EXPORT,
  START_EXPORT,
  comparable,
  download,
  eventsFromCsv,
  listedEvents,
  startExport,
  waitForStatus,
} from './export-support';

const URL_SECRET = 'export-masking-url-secret';
const SET_PERSONAL = `mutation($entityType: String!, $fields: [String!]!) {
  setPersonalFields(entityType: $entityType, fields: $fields) { entityType } }`;
const CRITERIA = { filter: { entityTypes: ['Contact', 'Lead'] } };

/**
 * Contacts whose email (and its sub-fields) is marked personal, leads whose `email` is not, and
 * events without a person's traces.
 */
const EVENTS = Array.from({ length: 12 }, (_, index) => ({
  occurredAt: new Date(Date.UTC(2026, 6, 1, 9, 0, index)).toISOString(),
  actor: index % 4 === 3 ? { id: `svc-${index}` } : { id: `u${index % 3}`, email: `person${index % 3}@example.com` },
  action: 'UPDATE',
  entityType: index % 2 === 0 ? 'Contact' : 'Lead',
  entityId: `r-${index}`,
  changes: [
    index % 2 === 0
      ? { field: 'email', oldValue: `old${index}@example.com`, newValue: `new${index}@example.com` }
      : { field: 'email', oldValue: `lead mailbox ${index}`, newValue: null },
    { field: 'email.verified', oldValue: false, newValue: true },
    { field: 'stage', oldValue: 'a', newValue: 'b' },
  ],
  ...(index % 4 === 3
    ? {}
    : {
        ipAddress: `203.0.113.${index}`,
        userAgent: `Agent ${index}`,
        location: { country: 'FR', city: 'Paris' },
      }),
}));

let server: TestServer;
let admin: string;
let auditor: string;

beforeAll(async () => {
  server = await startTestServer({ env: { EXPORT_URL_SECRET: URL_SECRET, EXPORT_POLL_MS: '100' } });
  [admin, auditor] = await Promise.all([
    signToken({ org: 'acme', role: 'ADMIN', sub: 'boss' }),
    signToken({ org: 'acme', role: 'AUDITOR', sub: 'aud' }),
  ]);
  expect(
    (await server.graphql(SET_PERSONAL, { entityType: 'Contact', fields: ['email'] }, admin)).errors,
  ).toBeUndefined();
  await recordEvents(server, await serviceToken(), EVENTS);
});
afterAll(() => server.stop());

async function exported(
  token: string,
  format: string,
): Promise<{ masked: boolean; events: Array<Record<string, any>> }> {
  const started = await startExport(server, token, { format, ...CRITERIA });
  const done = await waitForStatus(server, token, started.id, ['SUCCEEDED', 'FAILED']);
  expect(done.status).toBe('SUCCEEDED');
  const text = (await download(done.downloadUrl!)).body;
  if (format === 'CSV') return { masked: done.personalDataMasked, events: eventsFromCsv(text).events };
  if (format === 'JSON') return { masked: done.personalDataMasked, events: JSON.parse(text.toString('utf8')) };
  const lines = text.toString('utf8').trim().split('\n');
  return { masked: done.personalDataMasked, events: lines.map((line) => JSON.parse(line)) };
}

describe('an export is masked as its requester’s reads are', () => {
  it.each(['CSV', 'JSON', 'NDJSON'])('%s: the AUDITOR’s equals auditEvents as the AUDITOR sees it', async (format) => {
    const seen = await listedEvents(server, auditor, CRITERIA);
    expect(seen).toHaveLength(12);
    expect(seen.filter((event) => event.redactedFields.includes('changes.email'))).toHaveLength(6);
    const file = await exported(auditor, format);
    expect(file.masked).toBe(true);
    const csv = format === 'CSV';
    expect(file.events.map((event) => comparable(event, csv))).toEqual(seen.map((event) => comparable(event, csv)));
    const text = JSON.stringify(file.events);
    expect(text).not.toMatch(/person\d@example\.com|old\d+@example\.com|203\.0\.113\.|Agent \d|Paris/);
  });

  it.each(['CSV', 'NDJSON'])('%s: the ADMIN’s is whole', async (format) => {
    const seen = await listedEvents(server, admin, CRITERIA);
    expect(seen.every((event) => event.redactedFields.length === 0)).toBe(true);
    const file = await exported(admin, format);
    expect(file.masked).toBe(false);
    const csv = format === 'CSV';
    expect(file.events.map((event) => comparable(event, csv))).toEqual(seen.map((event) => comparable(event, csv)));
    expect(JSON.stringify(file.events)).toContain('person0@example.com');
  });

  it('PDF: the AUDITOR’s report names actors by id and shows no personal value', async () => {
    const started = await startExport(server, auditor, { format: 'PDF', ...CRITERIA });
    const done = await waitForStatus(server, auditor, started.id, ['SUCCEEDED', 'FAILED'], 30_000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', personalDataMasked: true });
    const folder = await mkdtemp(path.join(tmpdir(), 'audit-pdf-'));
    try {
      await writeFile(path.join(folder, 'report.pdf'), (await download(done.downloadUrl!)).body);
      const { stdout } = await promisify(execFile)('pdftotext', ['-layout', path.join(folder, 'report.pdf'), '-']);
      expect(stdout).toContain('UPDATE Contact r-10 by u1');
      expect(stdout).toContain('stage: "a" → "b"');
      expect(stdout).not.toMatch(/@example\.com|203\.0\.113\./);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 40_000);

  it('refuses the AUDITOR criteria that match on masked data, naming the argument', async () => {
    const search = await server.graphql(START_EXPORT, { input: { format: 'CSV', search: 'user:person0' } }, auditor);
    expect(search.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', argument: 'input.search' });
    const ip = await server.graphql(START_EXPORT, { input: { format: 'CSV', filter: { ip: '203.0.113.1' } } }, auditor);
    expect(ip.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', argument: 'input.filter.ip' });
  });

  it('gives the AUDITOR no link to a whole export, and records the masking in the EXPORT event', async () => {
    const whole = await startExport(server, admin, { format: 'CSV', ...CRITERIA });
    await waitForStatus(server, admin, whole.id, ['SUCCEEDED']);
    const asAuditor = await server.graphql(READ_EXPORT, { id: whole.id }, auditor);
    expect(asAuditor.data!.auditExport).toMatchObject({
      status: 'SUCCEEDED',
      personalDataMasked: false,
      downloadUrl: null,
    });
    const masked = await startExport(server, auditor, { format: 'CSV', ...CRITERIA });
    await waitForStatus(server, auditor, masked.id, ['SUCCEEDED']);
    const recorded = await listedEvents(server, admin, {
      filter: { actions: ['EXPORT'], entityIds: [whole.id, masked.id] },
    });
    const maskedOf = Object.fromEntries(recorded.map((event) => [event.entityId, event.metadata.personalDataMasked]));
    expect(maskedOf).toEqual({ [whole.id]: false, [masked.id]: true });
  });
});

describe('an export schedule keeps its creator’s masking', () => {
  const SCHEDULE = `mutation($input: AuditExportScheduleInput!) { createAuditExportSchedule(input: $input) { id personalDataMasked } }`;
  const RUN = `mutation($id: ID!) { runAuditExportSchedule(id: $id) { id personalDataMasked } }`;

  it('runs the AUDITOR’s masked, whoever runs it, and the ADMIN’s whole', async () => {
    const input = { name: 'weekly', frequency: 'WEEKLY', format: 'NDJSON', filter: CRITERIA.filter };
    const byAuditor = (await server.graphql(SCHEDULE, { input }, auditor)).data!.createAuditExportSchedule;
    const byAdmin = (await server.graphql(SCHEDULE, { input }, admin)).data!.createAuditExportSchedule;
    expect([byAuditor.personalDataMasked, byAdmin.personalDataMasked]).toEqual([true, false]);
    const run = async (id: string) => (await server.graphql(RUN, { id }, admin)).data!.runAuditExportSchedule;
    expect(await run(byAuditor.id)).toMatchObject({ personalDataMasked: true });
    expect(await run(byAdmin.id)).toMatchObject({ personalDataMasked: false });
    const refused = await server.graphql(SCHEDULE, { input: { ...input, search: 'ip:10.0.0.1' } }, auditor);
    expect(refused.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', argument: 'input.search' });
  });
});
