import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitForAlerts } from '../alerts/alert-support';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';
import { download, startExport, waitForStatus } from './export-support';

let server: TestServer;

// Run from sources, the report's worker thread compiles its TypeScript first (a few seconds on a loaded machine).
jest.setTimeout(30_000);

beforeAll(async () => {
  server = await startTestServer({ env: { EXPORT_PDF_MAX_EVENTS: '5' } });
  const at = (minute: number) => new Date(Date.UTC(2026, 5, 2, 3, minute)).toISOString();
  await recordEvents(server, await serviceToken(), [
    ...Array.from({ length: 6 }, (_, index) => ({
      occurredAt: at(index),
      actor: { id: 'mallory', email: 'mallory@example.com' },
      action: 'LOGIN_FAILED',
      ipAddress: '198.51.100.7',
    })),
    {
      occurredAt: at(30),
      actor: { id: 'jane', email: 'jane@example.com', role: 'SALES' },
      action: 'UPDATE',
      entityType: 'Account',
      entityId: 'acc-1',
      changes: [{ field: 'city', oldValue: 'Lyon', newValue: 'Zürich ✓' }],
    },
    { occurredAt: at(40), actor: { id: 'jane' }, action: 'VIEW', entityType: 'Account', entityId: 'acc-1' },
  ]);
});
afterAll(() => server.stop());

it('renders a readable report: the filter, summary counts, the alerts of the period, then the capped events', async () => {
  const admin = await adminToken();
  await waitForAlerts(server, admin, (alerts) => alerts.some((alert) => alert.rule.key === 'multiple-failed-logins'));
  const started = await startExport(server, admin, {
    format: 'PDF',
    filter: { actions: ['LOGIN_FAILED', 'UPDATE'] },
    search: '-user:nobody',
  });
  const done = await waitForStatus(server, admin, started.id, ['SUCCEEDED', 'FAILED']);
  expect(done).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 5 });
  const file = await download(done.downloadUrl!);
  expect(file.headers.get('content-type')).toBe('application/pdf');
  expect(file.body.subarray(0, 5).toString()).toBe('%PDF-');

  const folder = await mkdtemp(path.join(tmpdir(), 'audit-pdf-'));
  try {
    await writeFile(path.join(folder, 'report.pdf'), file.body);
    const { stdout } = await promisify(execFile)('pdftotext', ['-layout', path.join(folder, 'report.pdf'), '-']);
    const text = stdout.replace(/[ \t]+/g, ' ');
    expect(text).toContain('Audit log report');
    expect(text).toContain('filter.actions: LOGIN_FAILED, UPDATE');
    expect(text).toContain('search: -user:nobody');
    expect(text).toContain('7 events matched.');
    expect(text).toContain('LOGIN_FAILED: 6');
    expect(text).toContain('UPDATE: 1');
    expect(text).toContain('SECURITY: 6');
    expect(text).toContain('mallory: 6');
    expect(text).toContain('2026-06-02: 7');
    expect(text).toMatch(/Anomaly flags\s+\S+.*HIGH|Anomaly flags\s+\S+.*(LOW|MEDIUM|CRITICAL)/s);
    expect(text).toContain('Events (up to 5, newest first)');
    expect(text).toContain('2026-06-02T03:30:00.000Z UPDATE Account acc-1 by jane@example.com (SALES)');
    expect(text).toContain('city: "Lyon" → "Zürich ✓"');
    expect(text).toContain('2 more events are not listed');
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
