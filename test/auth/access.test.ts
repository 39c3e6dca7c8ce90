import { execute, extendSchema, parse } from 'graphql';
import { modules } from '../../src/modules';
import { applyPermissions } from '../../src/schema/permissions';
import { buildClassSchema } from '../../src/schema/build-schema';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, signToken, userToken } from '../support/tokens';

const PATHS = {
  auditEvents: {
    query: '{ auditEvents { edges { node { id tenantId } } } }',
    read: (d: any) => d.auditEvents.edges.map((e: any) => e.node.tenantId),
  },
  auditEvent: {
    query: 'query($id: ID!) { auditEvent(id: $id) { tenantId } }',
    read: (d: any) => (d.auditEvent ? [d.auditEvent.tenantId] : []),
  },
  auditLogIntegrity: {
    query: '{ auditLogIntegrity { ok eventsChecked } }',
    read: (d: any) => Array(d.auditLogIntegrity.eventsChecked).fill('?'),
  },
  leadHistory: {
    query:
      '{ _entities(representations: [{ __typename: "Lead", id: "lead-1" }]) { ... on Lead { auditHistory { edges { node { tenantId id } } } } } }',
    read: (d: any) => (d._entities[0].auditHistory?.edges ?? []).map((e: any) => e.node.tenantId),
  },
  userActivity: {
    query:
      '{ _entities(representations: [{ __typename: "User", id: "u1" }]) { ... on User { auditActivity { edges { node { tenantId } } } } } }',
    read: (d: any) => (d._entities[0].auditActivity?.edges ?? []).map((e: any) => e.node.tenantId),
  },
  eventReference: {
    query:
      'query($id: ID!) { _entities(representations: [{ __typename: "AuditEvent", id: $id }]) { ... on AuditEvent { tenantId } } }',
    read: (d: any) => d._entities.filter(Boolean).map((e: any) => e.tenantId),
  },
} as const;

describe('who may read and write, on every path', () => {
  let server: TestServer;
  let acmeEventId: string;

  beforeAll(async () => {
    server = await startTestServer();
    const event = { actor: { id: 'u1' }, action: 'UPDATE', entityType: 'Lead', entityId: 'lead-1' };
    [acmeEventId] = await recordEvents(server, await serviceToken('acme'), [event]);
    await recordEvents(server, await serviceToken('globex'), [event, event]);
  });
  afterAll(() => server.stop());

  const callers: Array<[string, () => Promise<string | undefined>, string | null]> = [
    ['no token', async () => undefined, 'UNAUTHENTICATED'],
    ['a malformed token', async () => 'not-a-jwt', 'UNAUTHENTICATED'],
    ['an expired ADMIN token', () => signToken({ role: 'ADMIN', expiresIn: -60 }), 'UNAUTHENTICATED'],
    [
      'an ADMIN token signed with another secret',
      () => signToken({ role: 'ADMIN', secret: 'another-secret-of-enough-length!!' }),
      'UNAUTHENTICATED',
    ],
    ['a USER', () => userToken('acme'), 'FORBIDDEN'],
    ['a SERVICE', () => serviceToken('acme'), 'FORBIDDEN'],
    ['an acme ADMIN', () => adminToken('acme'), null],
  ];

  for (const [path, { query, read }] of Object.entries(PATHS)) {
    it.each(callers)(`${path}: %s`, async (_who, token, code) => {
      const response = await server.graphql(query, { id: acmeEventId }, await token());
      if (code) {
        expect(response.errors?.[0]?.extensions?.code).toBe(code);
        expect(response.errors![0].message).not.toMatch(/Not Authorised/);
      } else {
        expect(response.errors).toBeUndefined();
        const tenants = read(response.data);
        expect(tenants.length).toBeGreaterThan(0);
        expect(tenants.every((tenant: string) => tenant === 'acme' || tenant === '?')).toBe(true);
      }
    });
  }

  it('scopes every read path to the token’s tenant: a globex admin sees only globex', async () => {
    const globex = await adminToken('globex');
    const list = await server.graphql(PATHS.auditEvents.query, {}, globex);
    expect(PATHS.auditEvents.read(list.data)).toEqual(['globex', 'globex']);
    const single = await server.graphql(PATHS.auditEvent.query, { id: acmeEventId }, globex);
    expect(single.data!.auditEvent).toBeNull();
    const reference = await server.graphql(PATHS.eventReference.query, { id: acmeEventId }, globex);
    expect(reference.data!._entities).toEqual([null]);
    const history = await server.graphql(PATHS.leadHistory.query, { id: 'x' }, globex);
    expect(PATHS.leadHistory.read(history.data)).toEqual(['globex', 'globex']);
    const integrity = await server.graphql(PATHS.auditLogIntegrity.query, {}, globex);
    expect(integrity.data!.auditLogIntegrity).toEqual({ ok: true, eventsChecked: 2 });
  });

  it('keeps federation’s _service open to the gateway without a token', async () => {
    const response = await server.graphql('{ _service { sdl } }');
    expect(response.errors).toBeUndefined();
    expect(response.data!._service.sdl).toContain('auditHistory');
  });

  it('denies by default a field no rule names, even to an admin', async () => {
    const schema = extendSchema(await buildClassSchema(modules), parse('extend type Query { unlistedProbe: String }'));
    schema.getQueryType()!.getFields().unlistedProbe.resolve = () => 'leaked';
    const principal = { subject: 'a', tenantId: 'acme', role: 'ADMIN', email: null, expiresAt: 0 };
    const result = await execute({
      schema: applyPermissions(schema, modules),
      document: parse('{ unlistedProbe }'),
      contextValue: { auth: { principal } },
    });
    expect(result.data).toEqual({ unlistedProbe: null });
    expect(result.errors![0].extensions.code).toBe('FORBIDDEN');
  });
});
