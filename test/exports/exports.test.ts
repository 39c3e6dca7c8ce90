import { createHash } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, userToken } from '../support/tokens';
import { recordEvents } from '../support/events';
import { waitUntil } from '../support/wait';
import {
  CANCEL_EXPORT,
  comparable,
  download,
  eventsFromCsv,
  listedEvents,
  maybeGunzip,
  startExport,
  START_EXPORT,
  waitForStatus,
} from './export-support';
import { subscribeOverWs } from '../live/live-support';
import { signDownloadLink } from '../../src/exports/download-link';

const URL_SECRET = 'exports-test-url-secret';
const AWKWARD = 'He said "hi", then left;\nline two, ünïcödé ✓ 日本語 \r\n end';

/** Events whose values hold quotes, commas, newlines and non-ASCII text. */
function awkwardEvents(count: number): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, index) => ({
    occurredAt: new Date(Date.UTC(2026, 5, 1, 12, 0, index)).toISOString(),
    actor: { id: `user-${index % 3}`, email: `person${index % 3}@example.com`, role: 'SALES' },
    action: index % 4 === 0 ? 'DELETE' : 'UPDATE',
    entityType: 'Lead',
    entityId: `lead-${index},"x"`,
    changes: [{ field: 'notes', oldValue: AWKWARD, newValue: { nested: [1, 'two, "three"'], n: index } }],
    ipAddress: `203.0.113.${index % 250}`,
    userAgent: `Agent "${index}", v1\nbuild`,
    location: { country: 'FR', city: 'Zürich, "quoted"' },
    metadata: { note: AWKWARD, index },
  }));
}

let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startTestServer({ env: { EXPORT_URL_SECRET: URL_SECRET, EXPORT_POLL_MS: '100' } });
  admin = await adminToken();
  await recordEvents(server, await serviceToken(), awkwardEvents(120));
  await recordEvents(server, await serviceToken('other'), awkwardEvents(5));
});
afterAll(() => server.stop());

const criteria = { filter: { actions: ['UPDATE'], from: '2026-06-01T12:00:10.000Z' }, search: '-user:user-2' };

describe('an export equals auditEvents for the same criteria', () => {
  it.each([
    ['CSV', false],
    ['CSV', true],
    ['JSON', false],
    ['NDJSON', true],
  ])('%s (gzip: %s)', async (format, gzip) => {
    const expected = await listedEvents(server, admin, criteria);
    expect(expected.length).toBeGreaterThan(40);
    const started = await startExport(server, admin, { format, gzip, ...criteria });
    expect(['PENDING', 'RUNNING', 'SUCCEEDED']).toContain(started.status);
    const done = await waitForStatus(server, admin, started.id, ['SUCCEEDED', 'FAILED']);
    expect(done).toMatchObject({ status: 'SUCCEEDED', rowsWritten: expected.length, rowsTotal: expected.length });

    const file = await download(done.downloadUrl!);
    expect(file.status).toBe(200);
    expect(Number(file.headers.get('content-length'))).toBe(file.body.length);
    expect(file.body.length).toBe(done.bytes);
    const sha256 = createHash('sha256').update(file.body).digest('hex');
    expect(file.headers.get('x-content-sha256')).toBe(sha256);
    expect(done.sha256).toBe(sha256);

    const text = maybeGunzip(file.body, gzip);
    let exported: Array<Record<string, any>>;
    if (format === 'CSV') {
      const csv = eventsFromCsv(text);
      expect(csv.header.slice(0, 6)).toEqual(['id', 'tenantId', 'sequence', 'occurredAt', 'recordedAt', 'actor.id']);
      exported = csv.events;
      // RFC 4180: each record (the header's too) ends with CRLF; a newline inside a quoted value stays as it was.
      const raw = text.toString('utf8');
      expect(raw.endsWith('"\r\n') || raw.endsWith('\r\n')).toBe(true);
      expect(raw.split('\r\n').length - 1).toBe(expected.length + 1);
      expect(raw).toContain('v1\nbuild');
    } else if (format === 'JSON') exported = JSON.parse(text.toString('utf8'));
    else {
      const lines = text.toString('utf8').split('\n');
      expect(lines.pop()).toBe('');
      exported = lines.map((line) => JSON.parse(line));
    }
    const csv = format === 'CSV';
    expect(exported.map((event) => comparable(event, csv))).toEqual(expected.map((event) => comparable(event, csv)));
  });

  it('without metadata: a summary with no metadata and no user agent', async () => {
    const started = await startExport(server, admin, { format: 'NDJSON', includeMetadata: false });
    const done = await waitForStatus(server, admin, started.id, ['SUCCEEDED', 'FAILED']);
    const lines = (await download(done.downloadUrl!)).body.toString('utf8').trim().split('\n');
    const first = JSON.parse(lines[0]);
    expect(first).not.toHaveProperty('metadata');
    expect(first).not.toHaveProperty('userAgent');
    expect(first.tenantId).toBe('acme');
  });
});

describe('what is refused', () => {
  it('names the bad argument, and refuses non-admins', async () => {
    const bad = await server.graphql(START_EXPORT, { input: { format: 'CSV', search: 'date:>nonsense' } }, admin);
    expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.search' });
    const cidr = await server.graphql(START_EXPORT, { input: { format: 'CSV', filter: { ip: '10.0.0.0/99' } } }, admin);
    expect(cidr.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.filter.ip' });
    const user = await server.graphql(START_EXPORT, { input: { format: 'CSV' } }, await userToken());
    expect(user.errors![0].extensions!.code).toBe('FORBIDDEN');
  });

  it('does not show another tenant’s export', async () => {
    const started = await startExport(server, admin, { format: 'CSV' });
    const other = await server.graphql(
      `query { auditExport(id: "${started.id}") { id } }`,
      {},
      await adminToken('other'),
    );
    expect(other.data!.auditExport).toBeNull();
  });
});

describe('the EXPORT event', () => {
  it('records every export with its record count', async () => {
    const started = await startExport(server, admin, { format: 'CSV', filter: { actions: ['DELETE'] } });
    const done = await waitForStatus(server, admin, started.id, ['SUCCEEDED']);
    const events = await listedEvents(server, admin, { filter: { actions: ['EXPORT'], entityIds: [started.id] } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      entityType: 'AuditLog',
      category: 'DATA_EXPORT',
      actor: { id: 'admin@acme' },
      metadata: { recordCount: done.rowsWritten, format: 'CSV', sha256: done.sha256 },
    });
    expect(done.rowsWritten).toBe(30);
  });
});

describe('download links', () => {
  it('refuses an altered link and a late one with a coded problem', async () => {
    const started = await startExport(server, admin, { format: 'CSV' });
    const done = await waitForStatus(server, admin, started.id, ['SUCCEEDED']);
    const url = new URL(done.downloadUrl!);
    const altered = new URL(url);
    altered.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    const alteredAnswer = await fetch(altered);
    expect(alteredAnswer.status).toBe(403);
    expect(alteredAnswer.headers.get('content-type')).toContain('application/problem+json');
    expect(await alteredAnswer.json()).toMatchObject({ status: 403, code: 'FORBIDDEN' });

    const otherTenant = new URL(url);
    otherTenant.searchParams.set('tenant', 'other');
    expect((await fetch(otherTenant)).status).toBe(403);

    const elevenMinutesAgo = Date.now() - 11 * 60 * 1000;
    const late = signDownloadLink(URL_SECRET, server.url, { tenantId: 'acme', exportId: started.id }, elevenMinutesAgo);
    const lateAnswer = await fetch(late);
    expect(lateAnswer.status).toBe(410);
    expect(await lateAnswer.json()).toMatchObject({ code: 'LINK_EXPIRED' });

    const fresh = signDownloadLink(URL_SECRET, server.url, { tenantId: 'acme', exportId: started.id });
    expect((await fetch(fresh)).status).toBe(200);
  });
});

describe('progress and cancel', () => {
  let slow: TestServer;
  beforeAll(async () => {
    // A database of its own: the other servers' workers would take its exports and run them at full speed.
    slow = await startTestServer({
      env: {
        EXPORT_URL_SECRET: URL_SECRET,
        EXPORT_MAX_ROWS_PER_SECOND: '40',
        EXPORT_LEASE_MS: '600',
        EXPORT_POLL_MS: '100',
      },
    });
    await recordEvents(slow, await serviceToken(), awkwardEvents(120));
  });
  afterAll(() => slow.stop());

  it('reports progress over the subscription until the export ends', async () => {
    const started = await startExport(slow, admin, { format: 'NDJSON', filter: { actions: ['UPDATE'] } });
    const progress = subscribeOverWs<{ status: string; rowsWritten: number; rowsTotal: number | null }>(
      slow,
      admin,
      `subscription P($id: ID!) { auditExportProgress(id: $id) { status rowsWritten rowsTotal } }`,
      { id: started.id },
    );
    await progress.ended;
    expect(progress.errors).toEqual([]);
    const last = progress.events.at(-1)!;
    expect(last).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 90, rowsTotal: 90 });
    const running = progress.events.filter((event) => event.status === 'RUNNING');
    expect(running.length).toBeGreaterThan(1);
    expect(running.some((event) => event.rowsWritten > 0 && event.rowsWritten < 90)).toBe(true);
  });

  it('cancels a running export', async () => {
    const started = await startExport(slow, admin, { format: 'CSV' });
    await waitUntil(
      async () => (await waitForStatus(slow, admin, started.id, ['RUNNING', 'SUCCEEDED'])).rowsWritten > 0,
      () => 'the export did not start writing',
    );
    const cancelled = await slow.graphql(CANCEL_EXPORT, { id: started.id }, admin);
    expect(cancelled.data!.cancelAuditExport).toMatchObject({ status: 'CANCELLED', downloadUrl: null });
    await waitUntil(
      async () =>
        (
          await slow.database.db.knex.raw(
            `SELECT 1 FROM pg_stat_activity WHERE application_name = 'audit-subgraph-export'`,
          )
        ).rows.length === 0,
      () => 'the export still reads',
    );
    const after = await waitForStatus(slow, admin, started.id, ['CANCELLED']);
    expect(after.rowsWritten).toBeLessThan(120);
  });
});

describe('expiry', () => {
  it('expires a finished export and deletes its file', async () => {
    const brief = await startTestServer({
      env: { EXPORT_URL_SECRET: URL_SECRET, EXPORT_RETENTION_SECONDS: '1', EXPORT_POLL_MS: '100' },
    });
    try {
      await recordEvents(brief, await serviceToken(), awkwardEvents(10));
      const started = await startExport(brief, admin, { format: 'CSV', filter: { actions: ['DELETE'] } });
      const done = await waitForStatus(brief, admin, started.id, ['SUCCEEDED']);
      const expired = await waitForStatus(brief, admin, started.id, ['EXPIRED']);
      expect(expired.downloadUrl).toBeNull();
      const late = await fetch(done.downloadUrl!);
      expect(late.status).toBe(404);
      expect(await late.json()).toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await brief.stop();
    }
  });
});
