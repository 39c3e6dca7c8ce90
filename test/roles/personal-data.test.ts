import { record, subscribeOverWs, waitUntil } from '../live/live-support';
import { startTestServer, type TestServer } from '../support/server';
import { serviceToken, signToken } from '../support/tokens';

const NODE = `id actor { id email } ipAddress userAgent location { country city } changes { field oldValue newValue } redactedFields`;
const EVENTS = `query($search: String, $filter: AuditEventFilter) {
  auditEvents(search: $search, filter: $filter) { edges { node { ${NODE} } } } }`;
const SET_PERSONAL = `mutation($entityType: String!, $fields: [String!]!) {
  setPersonalFields(entityType: $entityType, fields: $fields) { entityType fields } }`;
const SET_ROLE = `mutation($name: String!, $permissions: [AuditPermission!]!) { setAuditRole(name: $name, permissions: $permissions) { name } }`;

const CONTACT_EVENT = {
  actor: { id: 'u1', email: 'jane@example.com' },
  action: 'UPDATE',
  entityType: 'Contact',
  entityId: 'c1',
  ipAddress: '203.0.113.9',
  userAgent: 'Mozilla/5.0',
  location: { country: 'FR', city: 'Paris' },
  changes: [
    { field: 'email', oldValue: 'old@example.com', newValue: 'new@example.com' },
    { field: 'stage', oldValue: 'a', newValue: 'b' },
  ],
};
const MASKED = ['actorEmail', 'ipAddress', 'userAgent', 'location', 'changes.email'];

const codeOf = (response: { errors?: Array<{ extensions?: Record<string, any> }> }) => response.errors?.[0]?.extensions;

describe('personal data: masked without READ_PERSONAL_DATA, on every read path', () => {
  let server: TestServer;
  let admin: string;
  let auditor: string;
  let service: string;

  beforeAll(async () => {
    server = await startTestServer();
    [admin, auditor, service] = await Promise.all([
      signToken({ org: 'acme', role: 'ADMIN', sub: 'boss' }),
      signToken({ org: 'acme', role: 'AUDITOR', sub: 'aud' }),
      serviceToken('acme'),
    ]);
    const marked = await server.graphql(SET_PERSONAL, { entityType: 'Contact', fields: ['email'] }, admin);
    expect(marked.data!.setPersonalFields).toEqual({ entityType: 'Contact', fields: ['email'] });
    await record(server, service, [CONTACT_EVENT]);
  });
  afterAll(() => server.stop());

  const contactNode = (response: any) =>
    response.data.auditEvents.edges.map((edge: any) => edge.node).find((node: any) => node.changes.length === 2);

  it('shows ADMIN everything, and the AUDITOR nulls named in redactedFields', async () => {
    const whole = contactNode(await server.graphql(EVENTS, {}, admin));
    expect(whole).toMatchObject({ ipAddress: '203.0.113.9', actor: { email: 'jane@example.com' }, redactedFields: [] });
    const masked = contactNode(await server.graphql(EVENTS, {}, auditor));
    expect(masked).toMatchObject({
      actor: { id: 'u1', email: null },
      ipAddress: null,
      userAgent: null,
      location: null,
      changes: [
        { field: 'email', oldValue: null, newValue: null },
        { field: 'stage', oldValue: 'a', newValue: 'b' },
      ],
      redactedFields: MASKED,
    });
  });

  it('masks auditEvent, entity history and the AuditEvent reference alike', async () => {
    const id = contactNode(await server.graphql(EVENTS, {}, admin)).id;
    const single = await server.graphql(`query($id: ID!) { auditEvent(id: $id) { ${NODE} } }`, { id }, auditor);
    expect(single.data!.auditEvent.redactedFields).toEqual(MASKED);
    const history = await server.graphql(
      `{ _entities(representations: [{ __typename: "Contact", id: "c1" }]) { ... on Contact { auditHistory { edges { node { ${NODE} } } } } } }`,
      {},
      auditor,
    );
    expect(history.data!._entities[0].auditHistory.edges[0].node).toMatchObject({
      ipAddress: null,
      redactedFields: MASKED,
    });
    const reference = await server.graphql(
      `query($id: ID!) { _entities(representations: [{ __typename: "AuditEvent", id: $id }]) { ... on AuditEvent { ${NODE} } } }`,
      { id },
      auditor,
    );
    expect(reference.data!._entities[0].redactedFields).toEqual(MASKED);
  });

  it.each([
    ['ip:203.0.113.0/24', 'search'],
    ['user:jane', 'search'],
    ['jane', 'search'],
    ['new_value:new@example.com', 'search'],
    ['field:email new_value:new@example.com', 'search'],
  ])('refuses the search %s for the AUDITOR, naming %s', async (search, argument) => {
    const refused = await server.graphql(EVENTS, { search }, auditor);
    expect(codeOf(refused)).toMatchObject({ code: 'FORBIDDEN', argument });
    expect((await server.graphql(EVENTS, { search }, admin)).errors).toBeUndefined();
  });

  it('refuses an IP filter, answers searches that touch no personal data', async () => {
    expect(codeOf(await server.graphql(EVENTS, { filter: { ip: '203.0.113.9' } }, auditor))).toMatchObject({
      code: 'FORBIDDEN',
      argument: 'filter.ip',
    });
    const plain = await server.graphql(EVENTS, { search: 'field:stage new_value:b action:UPDATE' }, auditor);
    expect(plain.errors).toBeUndefined();
    expect(plain.data!.auditEvents.edges).toHaveLength(1);
  });

  it('masks the live feed, and ends it with PERMISSIONS_CHANGED when more is marked personal', async () => {
    const live = subscribeOverWs<any>(server, auditor, `subscription { auditEventRecorded { ${NODE} } }`);
    await waitUntil(
      async () => {
        await record(server, service, [CONTACT_EVENT]);
        return live.events.length > 0;
      },
      () => 'the live subscription never started',
    );
    expect(live.events[0]).toMatchObject({ ipAddress: null, redactedFields: MASKED });
    await server.graphql(SET_PERSONAL, { entityType: 'Contact', fields: ['email', 'stage'] }, admin);
    await live.ended;
    expect(live.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'PERMISSIONS_CHANGED' }) }),
    ]);
    await live.dispose();
    const now = contactNode(await server.graphql(EVENTS, {}, auditor));
    expect(now.redactedFields).toEqual([...MASKED, 'changes.stage']);
    await server.graphql(SET_PERSONAL, { entityType: 'Contact', fields: ['email'] }, admin);
  });

  it('a custom role with READ_PERSONAL_DATA sees it until a change takes it away', async () => {
    await server.graphql(SET_ROLE, { name: 'Privacy', permissions: ['READ_EVENTS', 'READ_PERSONAL_DATA'] }, admin);
    const holder = await signToken({ org: 'acme', role: 'Privacy', sub: 'dpo' });
    const live = subscribeOverWs<any>(server, holder, `subscription { auditEventRecorded { ${NODE} } }`);
    await waitUntil(
      async () => {
        await record(server, service, [CONTACT_EVENT]);
        return live.events.length > 0;
      },
      () => 'the live subscription never started',
    );
    expect(live.events[0]).toMatchObject({ ipAddress: '203.0.113.9', redactedFields: [] });
    await server.graphql(SET_ROLE, { name: 'Privacy', permissions: ['READ_EVENTS'] }, admin);
    await live.ended;
    expect(live.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'PERMISSIONS_CHANGED' }) }),
    ]);
    await live.dispose();
    expect(contactNode(await server.graphql(EVENTS, {}, holder)).redactedFields).toEqual(MASKED);
  });

  it('records marking fields personal as a CONFIG_CHANGE, and lists the marks', async () => {
    const listed = await server.graphql('{ personalFields { entityType fields } }', {}, auditor);
    expect(listed.data!.personalFields).toEqual([{ entityType: 'Contact', fields: ['email'] }]);
    const changes = await server.graphql(
      '{ auditEvents(filter: { entityTypes: ["PersonalFields"] }) { edges { node { entityId changes { field oldValue newValue } } } } }',
      {},
      admin,
    );
    expect(changes.data!.auditEvents.edges.at(-1).node).toEqual({
      entityId: 'Contact',
      changes: [{ field: 'fields', oldValue: [], newValue: ['email'] }],
    });
  });
});
