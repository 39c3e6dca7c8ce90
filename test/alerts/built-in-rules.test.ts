import { startTestServer, type TestServer } from '../support/server';
import { alertsAfter, lastMonday, lastSaturday, minutesAfter, newTenant } from './alert-support';

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const CHROME_WINDOWS_NEWER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0';
const PARIS = { city: 'Paris', latitude: 48.8566, longitude: 2.3522 };
const LYON = { city: 'Lyon', latitude: 45.764, longitude: 4.8357 };
const TOKYO = { city: 'Tokyo', latitude: 35.6762, longitude: 139.6503 };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const monday = lastMonday(10);
const at = (minutes: number) => minutesAfter(monday, minutes);
const event = (actor: string, action: string, minutes: number, extra: Record<string, unknown> = {}) => ({
  actor: { id: actor },
  action,
  occurredAt: at(minutes),
  ...extra,
});
const repeat = (count: number, make: (index: number) => Record<string, unknown>) =>
  Array.from({ length: count }, (_, index) => make(index));

describe('multiple-failed-logins', () => {
  it('raises once for five failures of one actor from one IP within ten minutes, not for four', async () => {
    const tenant = await newTenant();
    const alerts = await alertsAfter(server, tenant, [
      ...repeat(5, (i) => event('mallory', 'LOGIN_FAILED', i * 2, { ipAddress: '203.0.113.5' })),
      ...repeat(4, (i) => event('bob', 'LOGIN_FAILED', i * 2, { ipAddress: '203.0.113.6' })),
      ...repeat(5, (i) => event('carol', 'LOGIN_FAILED', i * 3, { ipAddress: '203.0.113.7' })),
    ]);
    expect(alerts.map((alert) => [alert.rule.key, alert.actorId, alert.events.length, alert.severity])).toEqual([
      ['multiple-failed-logins', 'mallory', 5, 'HIGH'],
    ]);
  });

  it('raises per IP when several actors fail from it', async () => {
    const tenant = await newTenant();
    const alerts = await alertsAfter(
      server,
      tenant,
      repeat(5, (i) => event(`user-${i}`, 'LOGIN_FAILED', i, { ipAddress: '198.51.100.9' })),
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ actorId: null, rule: { key: 'multiple-failed-logins' } });
    expect(alerts[0].summary).toContain('198.51.100.9');
  });
});

describe('bulk-export', () => {
  it('raises over 100 records in 24 hours, not at 100', async () => {
    const tenant = await newTenant();
    const alerts = await alertsAfter(server, tenant, [
      event('eve', 'EXPORT', 0, { metadata: { recordCount: 60 } }),
      event('eve', 'REPORT_EXPORT', 600, { metadata: { recordCount: 41 } }),
      event('frank', 'EXPORT', 0, { metadata: { recordCount: 60 } }),
      event('frank', 'EXPORT', 600, { metadata: { recordCount: 40 } }),
    ]);
    expect(alerts.map((alert) => [alert.rule.key, alert.actorId, alert.events.length])).toEqual([
      ['bulk-export', 'eve', 2],
    ]);
    expect(alerts[0].summary).toContain('101 records');
  });
});

describe('mass-deletion', () => {
  it('counts DELETEs and BULK_DELETE records, late events where they occurred', async () => {
    const tenant = await newTenant();
    await alertsAfter(
      server,
      tenant,
      repeat(30, (i) => event('dan', 'DELETE', 60 + i * 0.1, { entityType: 'Lead', entityId: `l${i}` })),
    );
    // Recorded later but occurred five minutes earlier: inside the same ten minutes.
    const alerts = await alertsAfter(server, tenant, [
      ...repeat(15, (i) => event('dan', 'DELETE', 55 + i * 0.1, { entityType: 'Lead', entityId: `m${i}` })),
      event('dan', 'BULK_DELETE', 56, { metadata: { recordCount: 5 } }),
      ...repeat(30, (i) => event('erin', 'DELETE', 60 + i * 0.1)),
      ...repeat(19, (i) => event('erin', 'DELETE', 120 + i * 0.1)),
    ]);
    expect(alerts.map((alert) => [alert.rule.key, alert.actorId, alert.events.length])).toEqual([
      ['mass-deletion', 'dan', 46],
    ]);
  });
});

describe('permission-escalation', () => {
  it('raises for a role raised to ADMIN, not for other roles or a demotion', async () => {
    const tenant = await newTenant();
    const change = (actor: string, oldValue: unknown, newValue: unknown) =>
      event(actor, 'ROLE_CHANGE', 0, {
        entityType: 'User',
        entityId: `${actor}-target`,
        changes: [{ field: 'role', oldValue, newValue }],
      });
    const alerts = await alertsAfter(server, tenant, [
      change('grace', 'USER', 'ADMIN'),
      change('heidi', 'USER', 'MANAGER'),
      change('ivan', 'ADMIN', 'USER'),
      event('judy', 'PERMISSION_CHANGE', 0, { before: { roles: ['SALES'] }, after: { roles: ['SALES', 'ADMIN'] } }),
    ]);
    expect(alerts.map((alert) => [alert.rule.key, alert.actorId]).sort()).toEqual([
      ['permission-escalation', 'grace'],
      ['permission-escalation', 'judy'],
    ]);
  });
});

describe('off-hours-access', () => {
  it('raises for a LOGIN on a Saturday or at night, not on Monday 10:00 UTC', async () => {
    const tenant = await newTenant();
    const alerts = await alertsAfter(server, tenant, [
      event('kim', 'LOGIN', 0),
      { ...event('leo', 'LOGIN', 0), occurredAt: lastSaturday(10).toISOString() },
      event('max', 'LOGIN', 9 * 60), // Monday 19:00 UTC
    ]);
    expect(alerts.map((alert) => [alert.rule.key, alert.actorId, alert.severity]).sort()).toEqual([
      ['off-hours-access', 'leo', 'LOW'],
      ['off-hours-access', 'max', 'LOW'],
    ]);
  });
});

describe('new-device', () => {
  it('raises for a browser and OS never seen for the actor, not for the first login or a newer version', async () => {
    const tenant = await newTenant();
    const login = (actor: string, minutes: number, userAgent: string) => event(actor, 'LOGIN', minutes, { userAgent });
    const alerts = await alertsAfter(server, tenant, [
      login('nina', 0, CHROME_WINDOWS),
      login('nina', 60, CHROME_WINDOWS_NEWER),
      login('nina', 120, FIREFOX_LINUX),
      login('omar', 0, FIREFOX_LINUX),
    ]);
    expect(alerts.map((alert) => [alert.rule.key, alert.actorId, alert.severity])).toEqual([
      ['new-device', 'nina', 'MEDIUM'],
    ]);
    expect(alerts[0].summary).toContain('Firefox on Linux');
  });
});

describe('impossible-travel', () => {
  it('raises for Paris then Tokyo an hour apart, not for Paris then Lyon', async () => {
    const tenant = await newTenant();
    const alerts = await alertsAfter(server, tenant, [
      event('pat', 'LOGIN', 0, { location: PARIS }),
      event('pat', 'LOGIN', 60, { location: TOKYO }),
      event('quinn', 'LOGIN', 0, { location: PARIS }),
      event('quinn', 'LOGIN', 60, { location: LYON }),
    ]);
    expect(alerts.map((alert) => [alert.rule.key, alert.actorId, alert.events.length])).toEqual([
      ['impossible-travel', 'pat', 2],
    ]);
  });
});
