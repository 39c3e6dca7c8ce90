import { listAlerts, waitForAlerts } from '../alerts/alert-support';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { serviceToken, signToken } from '../support/tokens';
import { sinkReceiver, type SinkReceiver } from '../streams/sink-receiver';
import { caughtUp } from '../streams/stream-support';

// Server start and alert evaluation take seconds on a loaded machine.
jest.setTimeout(60_000);

const SET_PERSONAL = `mutation($entityType: String!, $fields: [String!]!) {
  setPersonalFields(entityType: $entityType, fields: $fields) { entityType } }`;
const SET_ROLE = `mutation($name: String!, $permissions: [AuditPermission!]!) { setAuditRole(name: $name, permissions: $permissions) { name } }`;
const CREATE_STREAM = `mutation($input: AuditStreamInput!) { createAuditStream(input: $input) { id maskPersonalData } }`;

const CONTACT_EVENT = {
  actor: { id: 'u1', email: 'jane@example.com' },
  action: 'UPDATE',
  entityType: 'Contact',
  entityId: 'c1',
  ipAddress: '203.0.113.9',
  changes: [
    { field: 'email', oldValue: 'old@example.com', newValue: 'new@example.com' },
    { field: 'stage', oldValue: 'a', newValue: 'b' },
  ],
};
const MASKED = ['actorEmail', 'ipAddress', 'changes.email'];

let server: TestServer;
let receiver: SinkReceiver;
let admin: string;
let auditor: string;
let keeper: string;
let service: string;

beforeAll(async () => {
  receiver = await sinkReceiver();
  server = await startTestServer({ env: { OUTBOUND_ALLOWED_HOSTS: receiver.host, STREAM_POLL_MS: '100' } });
  [admin, auditor, keeper, service] = await Promise.all([
    signToken({ org: 'acme', role: 'ADMIN', sub: 'boss' }),
    signToken({ org: 'acme', role: 'AUDITOR', sub: 'aud' }),
    signToken({ org: 'acme', role: 'SiemKeeper', sub: 'keeper' }),
    serviceToken('acme'),
  ]);
  await server.graphql(SET_PERSONAL, { entityType: 'Contact', fields: ['email'] }, admin);
  await server.graphql(SET_ROLE, { name: 'SiemKeeper', permissions: ['READ_EVENTS', 'MANAGE_STREAMS'] }, admin);
});
afterAll(async () => {
  await server.stop();
  await receiver.close();
});

describe('REST is masked like GraphQL', () => {
  it('lists and reads events masked for the AUDITOR, whole for the ADMIN', async () => {
    const [id] = await recordEvents(server, service, [CONTACT_EVENT]);
    const get = async (path: string, token: string) =>
      (await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();
    const listed = await get('/v1/audit-trail?entityType=Contact', auditor);
    expect(listed.data[0]).toMatchObject({
      actor: { id: 'u1', email: null },
      ipAddress: null,
      changes: [
        { field: 'email', oldValue: null, newValue: null },
        { field: 'stage', oldValue: 'a', newValue: 'b' },
      ],
      redactedFields: MASKED,
    });
    expect(await get(`/v1/audit-trail/${id}`, auditor)).toMatchObject({ ipAddress: null, redactedFields: MASKED });
    expect((await get('/v1/audit-trail/entity/Contact/c1', auditor)).data[0].redactedFields).toEqual(MASKED);
    expect(await get(`/v1/audit-trail/${id}`, admin)).toMatchObject({ ipAddress: '203.0.113.9', redactedFields: [] });
    const search = await fetch(`${server.url}/v1/audit-trail?search=user:jane`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(search.status).toBe(403);
    expect(await search.json()).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('streams deliver what their editor may read, or masked when asked', () => {
  const input = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    kind: 'WEBHOOK',
    endpoint: `${receiver.url}/${name}`,
    secret: 'k',
    match: 'entity:Contact',
    ...extra,
  });
  const delivered = (name: string) =>
    receiver.requests
      .filter((request) => request.path.endsWith(`/${name}`))
      .flatMap((request) => JSON.parse(request.body).events as Array<Record<string, any>>);

  it('masks the stream of an editor without READ_PERSONAL_DATA, and one that asks; refuses to unmask', async () => {
    const create = async (token: string, name: string, extra?: Record<string, unknown>) =>
      server.graphql(CREATE_STREAM, { input: input(name, extra) }, token);
    const byKeeper = (await create(keeper, 'keeper')).data!.createAuditStream;
    const asked = (await create(admin, 'asked', { maskPersonalData: true })).data!.createAuditStream;
    const whole = (await create(admin, 'whole')).data!.createAuditStream;
    expect([byKeeper.maskPersonalData, asked.maskPersonalData, whole.maskPersonalData]).toEqual([true, true, false]);
    const unmask = await create(keeper, 'unmask', { maskPersonalData: false });
    expect(unmask.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', argument: 'input.maskPersonalData' });
    const personalMatch = await create(keeper, 'matcher', { match: 'user:jane' });
    expect(personalMatch.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', argument: 'input.match' });

    await recordEvents(server, service, [CONTACT_EVENT]);
    for (const stream of [byKeeper, asked, whole]) await caughtUp(server, admin, stream.id);
    for (const name of ['keeper', 'asked']) {
      expect(delivered(name)).toHaveLength(1);
      expect(delivered(name)[0]).toMatchObject({ actor: { email: null }, ipAddress: null, redactedFields: MASKED });
      expect(JSON.stringify(delivered(name))).not.toMatch(/example\.com|203\.0\.113/);
    }
    expect(delivered('whole')[0]).toMatchObject({ actor: { email: 'jane@example.com' }, redactedFields: [] });
  });
});

describe('alert summaries', () => {
  it('name the actor by id and no email for the AUDITOR', async () => {
    await recordEvents(server, service, [
      {
        actor: { id: 'u7', email: 'mallory@example.com' },
        action: 'ROLE_CHANGE',
        entityType: 'User',
        entityId: 'u8',
        changes: [{ field: 'role', oldValue: 'USER', newValue: 'ADMIN' }],
      },
    ]);
    const [whole] = await waitForAlerts(server, admin, (alerts) => alerts.some((alert) => alert.actorId === 'u7'));
    expect(whole.summary).toBe('mallory@example.com granted ADMIN to User u8 (role)');
    const masked = (await listAlerts(server, auditor)).find((alert) => alert.actorId === 'u7')!;
    expect(masked.summary).toBe('u7 granted ADMIN to User u8 (role)');
  });
});
