import { defaultStart, generateDemoHistory } from '../../dev/seed/demo-history';

const DAY = 86_400_000;

describe('the demo history generator', () => {
  const now = new Date('2026-05-20T15:30:00Z');
  const history = generateDemoHistory('demo', defaultStart(now));
  const events = history.events;
  const count = (action: string) => events.filter((event) => event.action === action).length;

  it('is the same at every run for a tenant, and another for another tenant', () => {
    expect(generateDemoHistory('demo', defaultStart(now))).toEqual(history);
    const other = generateDemoHistory('other', defaultStart(now));
    expect(other.events.every((event) => event.tenantId === 'other')).toBe(true);
    const ids = new Set(events.map((event) => event.id));
    expect(other.events.some((event) => ids.has(event.id))).toBe(false);
  });

  it('spans six weeks up to the last midnight, oldest first, with unique UUIDs', () => {
    expect(events.length).toBeGreaterThan(2500);
    expect(events.length).toBeLessThan(6000);
    expect(history.start.toISOString()).toBe('2026-04-08T00:00:00.000Z');
    expect(history.end.toISOString()).toBe('2026-05-20T00:00:00.000Z');
    const times = events.map((event) => event.occurredAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(history.start.getTime());
    expect(times[times.length - 1] - times[0]).toBeGreaterThan(40 * DAY);
    expect(times[times.length - 1]).toBeLessThan(history.end.getTime());
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    for (const event of events)
      expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('has the stories an audit log is read for', () => {
    expect(count('CREATE')).toBeGreaterThan(200);
    expect(count('CONVERT')).toBeGreaterThan(20);
    expect(count('LOGIN')).toBeGreaterThan(300);
    expect(count('LOGIN_FAILED')).toBeGreaterThan(30);
    expect(count('ACCOUNT_LOCKOUT')).toBe(1);
    expect(count('EXPORT') + count('REPORT_EXPORT')).toBeGreaterThan(20);
    expect(count('ROLE_CHANGE')).toBeGreaterThanOrEqual(3);
    for (const action of [
      'VIEW',
      'ASSIGN',
      'BULK_IMPORT',
      'BULK_UPDATE',
      'PERMISSION_CHANGE',
      'IMPERSONATION',
      'MFA_ENROLL',
    ])
      expect(count(action)).toBeGreaterThan(0);
    const logins = events.filter((event) => event.action === 'LOGIN');
    for (const login of logins) {
      expect(login).toMatchObject({
        ipAddress: expect.any(String),
        userAgent: expect.any(String),
        sessionId: expect.any(String),
      });
      expect(login.location).toMatchObject({ city: expect.any(String), latitude: expect.any(Number) });
    }
    const exports = events.filter((event) => event.action === 'EXPORT');
    for (const event of exports) expect(event.metadata).toMatchObject({ recordCount: expect.any(Number) });
  });
});
