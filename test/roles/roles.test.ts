import { subscribeLive, subscribeOverWs, record, event, waitUntil } from '../live/live-support';
import { startTestServer, type TestServer } from '../support/server';
import { serviceToken, signToken } from '../support/tokens';

const SET = `mutation($name: String!, $permissions: [AuditPermission!]!) {
  setAuditRole(name: $name, permissions: $permissions) { name permissions builtIn }
}`;
const DELETE = 'mutation($name: String!) { deleteAuditRole(name: $name) }';
const ROLES = '{ auditRoles { name permissions builtIn } }';
const EVENTS = '{ auditEvents(first: 5) { edges { node { id } } } }';
const CONFIG_CHANGES = `{ auditEvents(filter: { actions: [CONFIG_CHANGE], entityTypes: ["AuditRole"] }) {
  edges { node { entityId actor { id } changes { field oldValue newValue } metadata } } } }`;

const codeOf = (response: { errors?: Array<{ extensions?: Record<string, any> }> }) =>
  response.errors?.[0]?.extensions?.code;

describe('roles: built-in, tenant-defined, audited, and effective at once', () => {
  let server: TestServer;
  let admin: string;
  const tokenFor = (role: string, org = 'acme') => signToken({ org, role, sub: `${role}-holder` });

  beforeAll(async () => {
    server = await startTestServer();
    admin = await tokenFor('ADMIN');
    await record(server, await serviceToken('acme'), [event('UPDATE', { entityType: 'Lead', entityId: 'l1' })]);
  });
  afterAll(() => server.stop());

  it('lists the built-in roles, then the tenant’s own; a role is the tenant’s alone', async () => {
    await server.graphql(SET, { name: 'Reader', permissions: ['READ_EVENTS', 'READ_EVENTS'] }, admin);
    const roles = (await server.graphql(ROLES, {}, admin)).data!.auditRoles;
    expect(roles).toEqual([
      expect.objectContaining({ name: 'ADMIN', builtIn: true, permissions: expect.arrayContaining(['MANAGE_ROLES']) }),
      { name: 'AUDITOR', builtIn: true, permissions: ['READ_EVENTS', 'READ_ALERTS', 'EXPORT'] },
      { name: 'Reader', builtIn: false, permissions: ['READ_EVENTS'] },
    ]);
    const elsewhere = await server.graphql(EVENTS, {}, await tokenFor('Reader', 'globex'));
    expect(codeOf(elsewhere)).toBe('FORBIDDEN');
    expect((await server.graphql(EVENTS, {}, await tokenFor('Reader'))).errors).toBeUndefined();
  });

  it.each(['ADMIN', 'AUDITOR', 'SERVICE'])('refuses to change or delete the reserved role %s', async (name) => {
    const set = await server.graphql(SET, { name, permissions: [] }, admin);
    expect(codeOf(set)).toBe('BAD_USER_INPUT');
    expect(set.errors![0].extensions!.argument).toBe('name');
    expect(codeOf(await server.graphql(DELETE, { name }, admin))).toBe('BAD_USER_INPUT');
  });

  it('refuses a malformed role name and an unknown one to delete, naming the argument', async () => {
    expect(codeOf(await server.graphql(SET, { name: ' has space', permissions: [] }, admin))).toBe('BAD_USER_INPUT');
    expect(codeOf(await server.graphql(DELETE, { name: 'Nobody' }, admin))).toBe('NOT_FOUND');
  });

  it('records each change as a CONFIG_CHANGE with the old and new permissions', async () => {
    await server.graphql(SET, { name: 'Triage', permissions: ['READ_ALERTS'] }, admin);
    await server.graphql(SET, { name: 'Triage', permissions: ['READ_ALERTS', 'MANAGE_ALERTS'] }, admin);
    await server.graphql(DELETE, { name: 'Triage' }, admin);
    const nodes = (await server.graphql(CONFIG_CHANGES, {}, admin))
      .data!.auditEvents.edges.map((edge: any) => edge.node)
      .filter((node: any) => node.entityId === 'Triage');
    expect(nodes.map((node: any) => node.metadata.operation)).toEqual(['delete', 'update', 'create']);
    expect(nodes[1].changes).toEqual([
      { field: 'permissions', oldValue: ['READ_ALERTS'], newValue: ['MANAGE_ALERTS', 'READ_ALERTS'] },
    ]);
    expect(nodes[0].actor.id).toBe('ADMIN-holder');
  });

  it('a role change holds for the next request, and a deleted role gives nothing', async () => {
    const holder = await tokenFor('Shifting');
    expect(codeOf(await server.graphql(EVENTS, {}, holder))).toBe('FORBIDDEN');
    await server.graphql(SET, { name: 'Shifting', permissions: ['READ_EVENTS'] }, admin);
    expect((await server.graphql(EVENTS, {}, holder)).errors).toBeUndefined();
    await server.graphql(DELETE, { name: 'Shifting' }, admin);
    expect(codeOf(await server.graphql(EVENTS, {}, holder))).toBe('FORBIDDEN');
  });

  it('guards the federation reference of events by READ_EVENTS', async () => {
    await server.graphql(SET, { name: 'AlertsOnly', permissions: ['READ_ALERTS'] }, admin);
    const id = (await server.graphql(EVENTS, {}, admin)).data!.auditEvents.edges[0].node.id;
    const reference = `query($id: ID!) { _entities(representations: [{ __typename: "AuditEvent", id: $id }]) { ... on AuditEvent { id } } }`;
    expect(codeOf(await server.graphql(reference, { id }, await tokenFor('AlertsOnly')))).toBe('FORBIDDEN');
    expect((await server.graphql(reference, { id }, await tokenFor('AUDITOR'))).data!._entities).toEqual([{ id }]);
  });

  it('ends an open live subscription with FORBIDDEN when its role loses READ_EVENTS', async () => {
    await server.graphql(SET, { name: 'Watcher', permissions: ['READ_EVENTS', 'READ_ALERTS'] }, admin);
    const holder = await tokenFor('Watcher');
    const live = subscribeLive(server, holder);
    const alerts = subscribeOverWs(server, holder, 'subscription { auditAlertRaised { id } }');
    const service = await serviceToken('acme');
    // Subscribed once an event recorded after the subscription arrives.
    await waitUntil(
      async () => {
        await record(server, service, [event('VIEW')]);
        return live.events.length > 0;
      },
      () => 'the live subscription never started',
    );
    await server.graphql(SET, { name: 'Watcher', permissions: ['READ_ALERTS'] }, admin);
    await live.ended;
    expect(live.errors).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'FORBIDDEN', resumeAfterSequence: expect.any(String) }),
      }),
    ]);
    expect(alerts.endedBy).toBeUndefined();
    await server.graphql(DELETE, { name: 'Watcher' }, admin);
    await alerts.ended;
    expect(alerts.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    ]);
    await Promise.all([live.dispose(), alerts.dispose()]);
  });
});
