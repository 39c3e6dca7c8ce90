import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, userToken } from '../support/tokens';

const CHROME_WIN =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const STATS = `query($groupBy: [AuditStatsDimension!]!, $interval: AuditStatsInterval, $timeZone: String! = "UTC", $limit: Int! = 1000, $search: String, $filter: AuditEventFilter) {
  auditStats(groupBy: $groupBy, interval: $interval, timeZone: $timeZone, limit: $limit, search: $search, filter: $filter) {
    total truncated timeZone groups { count bucket action category entityType actorId source ipAddress country }
  }
}`;

const day = (d: number, hour = 10) => new Date(Date.UTC(2026, 9, d, hour, 30)).toISOString();

describe('auditStats and securityOverview', () => {
  let server: TestServer;
  let admin: string;
  const stored: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    server = await startTestServer();
    admin = await adminToken('acme');
    const actions = ['CREATE', 'UPDATE', 'UPDATE', 'DELETE', 'VIEW', 'EXPORT'];
    for (let n = 0; n < 60; n++)
      stored.push({
        occurredAt: day(1 + (n % 5), n % 2 ? 23 : 9),
        action: actions[n % actions.length],
        actor: { id: `rep-${n % 3}` },
        entityType: n % 4 ? 'Lead' : 'Account',
        entityId: `r-${n}`,
        source: n % 3 ? 'UI' : 'API',
        ipAddress: `203.0.113.${n % 4}`,
        location: { country: n % 2 ? 'FR' : 'US' },
      });
    const login = (d: number, actor: string, action: string, session: string, extra: Record<string, unknown> = {}) => ({
      occurredAt: day(d),
      action,
      actor: { id: actor },
      sessionId: session,
      ...extra,
    });
    stored.push(
      login(2, 'jane', 'LOGIN', 's1', {
        userAgent: CHROME_WIN,
        location: { country: 'FR', city: 'Lyon', latitude: 45.76, longitude: 4.83 },
      }),
      { ...login(2, 'jane', 'LOGOUT', 's1'), occurredAt: day(2, 11) },
      login(3, 'jane', 'LOGIN', 's2', {
        userAgent: SAFARI_IPHONE,
        location: { country: 'FR', city: 'Lyon', latitude: 45.76, longitude: 4.83 },
      }),
      { ...login(3, 'jane', 'SESSION_EXPIRED', 's2'), occurredAt: day(3, 12) },
      login(4, 'jane', 'LOGIN', 's3', { userAgent: CHROME_WIN }),
      login(2, 'mallory', 'LOGIN_FAILED', 'x1', { location: { country: 'RU', city: 'Moscow' } }),
      login(2, 'mallory', 'LOGIN_FAILED', 'x2', { location: { country: 'RU', city: 'Moscow' } }),
      login(4, 'mallory', 'LOGIN_FAILED', 'x3'),
    );
    await recordEvents(server, await serviceToken('acme'), stored);
    await recordEvents(server, await serviceToken('globex'), [
      { action: 'LOGIN_FAILED', actor: { id: 'x' }, occurredAt: day(2) },
    ]);
  });
  afterAll(() => server.stop());

  const stats = async (variables: Record<string, unknown>, token = admin) => {
    const response = await server.graphql(STATS, variables, token);
    expect(response.errors).toBeUndefined();
    return response.data!.auditStats;
  };

  it('groups by each dimension with counts that add up to the events stored', async () => {
    for (const dimension of ['ACTION', 'CATEGORY', 'ENTITY_TYPE', 'ACTOR', 'SOURCE', 'IP_ADDRESS', 'COUNTRY']) {
      const result = await stats({ groupBy: [dimension] });
      expect(result.total).toBe(stored.length);
      expect(result.groups.reduce((sum: number, group: { count: number }) => sum + group.count, 0)).toBe(stored.length);
    }
    const byAction = await stats({ groupBy: ['ACTION'], filter: { entityTypes: ['Lead'] } });
    expect(byAction.total).toBe(45);
    expect(byAction.groups[0]).toMatchObject({ action: 'UPDATE', count: 15, actorId: null });
    const searched = await stats({ groupBy: ['COUNTRY'], search: 'action:LOGIN_FAILED' });
    expect(searched.groups).toEqual([
      expect.objectContaining({ country: 'RU', count: 2 }),
      expect.objectContaining({ country: null, count: 1 }),
    ]);
  });

  it('cuts day buckets in the asked time zone', async () => {
    const utc = await stats({ groupBy: [], interval: 'DAY', filter: { actions: ['CREATE'] } });
    const tokyo = await stats({
      groupBy: [],
      interval: 'DAY',
      timeZone: 'Asia/Tokyo',
      filter: { actions: ['CREATE'] },
    });
    expect(utc.groups.map((g: { bucket: string }) => g.bucket)).toContain('2026-10-01T00:00:00.000Z');
    expect(tokyo.groups.map((g: { bucket: string }) => g.bucket)).toContain('2026-09-30T15:00:00.000Z');
    expect(tokyo.total).toBe(utc.total);
    const weeks = await stats({ groupBy: ['ACTION'], interval: 'WEEK' });
    expect(
      weeks.groups.every((g: { bucket: string }) =>
        ['2026-09-28T00:00:00.000Z', '2026-10-05T00:00:00.000Z'].includes(g.bucket),
      ),
    ).toBe(true);
  });

  it('marks a truncated result and refuses unknown time zones and limits', async () => {
    const top = await stats({ groupBy: ['IP_ADDRESS', 'ACTION'], limit: 3 });
    expect(top).toMatchObject({ truncated: true, total: stored.length });
    expect(top.groups).toHaveLength(3);
    const zone = await server.graphql(STATS, { groupBy: [], timeZone: 'Mars/Olympus' }, admin);
    expect(zone.errors![0]).toMatchObject({
      message: expect.stringMatching(/^timeZone: /),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const limit = await server.graphql(STATS, { groupBy: [], limit: 0 }, admin);
    expect(limit.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('summarises login security: failed logins per day, devices, sessions and locations', async () => {
    const query = `{ securityOverview(from: "2026-10-01T00:00:00Z", to: "2026-10-05T21:00:00Z", timeZone: "Europe/Paris") {
      failedLogins { day count } devices { userId devices { browser os deviceType logins } }
      sessions { sessionId userId endedBy logins logouts expiries events { action } }
      loginLocations { country city logins failedLogins latitude } } }`;
    const response = await server.graphql(query, {}, admin);
    expect(response.errors).toBeUndefined();
    const overview = response.data!.securityOverview;
    expect(overview.failedLogins.map((d: { count: number }) => d.count)).toEqual([0, 2, 0, 1, 0]);
    expect(overview.devices).toEqual([
      {
        userId: 'jane',
        devices: expect.arrayContaining([
          { browser: 'Chrome', os: 'Windows', deviceType: null, logins: 2 },
          { browser: 'Mobile Safari', os: 'iOS', deviceType: 'mobile', logins: 1 },
        ]),
      },
    ]);
    expect(overview.sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual(['s3', 's2', 's1']);
    expect(overview.sessions[2]).toMatchObject({ endedBy: 'LOGOUT', logins: 1, logouts: 1, expiries: 0 });
    expect(overview.sessions[1]).toMatchObject({
      endedBy: 'SESSION_EXPIRED',
      events: [{ action: 'LOGIN' }, { action: 'SESSION_EXPIRED' }],
    });
    expect(overview.loginLocations).toEqual([
      { country: 'FR', city: 'Lyon', logins: 2, failedLogins: 0, latitude: 45.76 },
      { country: 'RU', city: 'Moscow', logins: 0, failedLogins: 2, latitude: null },
    ]);
  });

  it('refuses both queries to non-admins', async () => {
    for (const token of [await userToken('acme'), await serviceToken('acme')]) {
      for (const query of ['{ auditStats(groupBy: [ACTION]) { total } }', '{ securityOverview { from } }']) {
        const response = await server.graphql(query, {}, token);
        expect(response.errors![0].extensions!.code).toBe('FORBIDDEN');
      }
    }
  });
});
