import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, userToken } from '../support/tokens';

const SET = `mutation($zone: String!) { setTenantTimeZone(timeZone: $zone) { timeZone } }`;
const SETTINGS = `{ tenantSettings { timeZone } }`;
const BY_DAY = `{ auditStats(groupBy: [], interval: DAY) { timeZone groups { bucket count } } }`;
const OVERVIEW = `{ securityOverview(from: "2026-11-01T00:00:00Z", to: "2026-11-03T00:00:00Z") { timeZone } }`;

describe('tenant settings', () => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await adminToken('acme');
    // 23:30 UTC on 1 November is already 2 November in Tokyo.
    await recordEvents(server, await serviceToken('acme'), [
      { actor: { id: 'u1' }, action: 'LOGIN', occurredAt: '2026-11-01T23:30:00Z' },
    ]);
  });
  afterAll(() => server.stop());

  it('cuts statistics and overviews in UTC until the tenant sets its own zone', async () => {
    expect((await server.graphql(SETTINGS, {}, admin)).data!.tenantSettings).toEqual({ timeZone: 'UTC' });
    const utc = (await server.graphql(BY_DAY, {}, admin)).data!.auditStats;
    expect(utc.timeZone).toBe('UTC');
    expect(utc.groups[0].bucket).toMatch(/^2026-11-01T00:00:00/);

    expect((await server.graphql(SET, { zone: 'Asia/Tokyo' }, admin)).data!.setTenantTimeZone).toEqual({
      timeZone: 'Asia/Tokyo',
    });
    const tokyo = (await server.graphql(BY_DAY, {}, admin)).data!.auditStats;
    expect(tokyo.timeZone).toBe('Asia/Tokyo');
    expect(new Date(tokyo.groups[0].bucket).toISOString()).toBe('2026-11-01T15:00:00.000Z');
    expect((await server.graphql(OVERVIEW, {}, admin)).data!.securityOverview.timeZone).toBe('Asia/Tokyo');
    const other = (await server.graphql(SETTINGS, {}, await adminToken('globex'))).data!.tenantSettings;
    expect(other).toEqual({ timeZone: 'UTC' });
  });

  it('records the change as CONFIG_CHANGE with old and new values', async () => {
    await server.graphql(SET, { zone: 'Europe/Paris' }, admin);
    const response = await server.graphql(
      `{ auditEvents(filter: { actions: [CONFIG_CHANGE], entityTypes: ["TenantSettings"] }) {
          edges { node { actor { id } changes { field oldValue newValue } } } } }`,
      {},
      admin,
    );
    const changes = response.data!.auditEvents.edges.map(
      (edge: { node: { changes: unknown[] } }) => edge.node.changes[0],
    );
    expect(changes).toEqual([
      { field: 'timeZone', oldValue: 'Asia/Tokyo', newValue: 'Europe/Paris' },
      { field: 'timeZone', oldValue: 'UTC', newValue: 'Asia/Tokyo' },
    ]);
  });

  it('refuses an unknown zone naming the argument, and non-admins', async () => {
    const bad = await server.graphql(SET, { zone: 'Mars/Olympus' }, admin);
    expect(bad.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'timeZone' } });
    const user = await server.graphql(SET, { zone: 'UTC' }, await userToken('acme'));
    expect(user.errors![0].extensions!.code).toBe('FORBIDDEN');
    expect((await server.graphql(SETTINGS, {}, await serviceToken('acme'))).errors![0].extensions!.code).toBe(
      'FORBIDDEN',
    );
  });
});
