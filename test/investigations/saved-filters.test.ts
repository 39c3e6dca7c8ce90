import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, signToken, userToken } from '../support/tokens';

const CREATE = `mutation($input: AuditSavedFilterInput!) { createSavedFilter(input: $input) { id name ownerId shared search filter } }`;
const LIST = `{ savedFilters { id name shared } }`;
const EVENTS = `query($id: ID, $filter: AuditEventFilter) { auditEvents(savedFilterId: $id, filter: $filter, first: 500) { edges { node { action actor { id } } } } }`;
const STATS = `query($id: ID) { auditStats(savedFilterId: $id, groupBy: [ACTION]) { total } }`;
const CONFIG_CHANGES = `{ auditEvents(filter: { actions: [CONFIG_CHANGE], entityTypes: ["SavedFilter"] }) {
  edges { node { actor { id } metadata changes { field oldValue newValue } } } } }`;

describe('saved filters', () => {
  let server: TestServer;
  let owner: string;
  let colleague: string;

  beforeAll(async () => {
    server = await startTestServer();
    owner = await adminToken('acme');
    colleague = await signToken({ org: 'acme', role: 'ADMIN', sub: 'colleague@acme' });
    await recordEvents(server, await serviceToken('acme'), [
      ...Array.from({ length: 6 }, (_, n) => ({ action: 'LOGIN_FAILED', actor: { id: n % 2 ? 'eve' : 'bob' } })),
      ...Array.from({ length: 4 }, () => ({ action: 'EXPORT', actor: { id: 'eve' } })),
    ]);
  });
  afterAll(() => server.stop());

  const create = async (token: string, input: Record<string, unknown>) => {
    const response = await server.graphql(CREATE, { input }, token);
    expect(response.errors).toBeUndefined();
    return response.data!.createSavedFilter;
  };

  it('is private until shared, and applies to auditEvents and auditStats ANDed with their own filter', async () => {
    const saved = await create(owner, { name: 'Failed logins', filter: { actions: ['LOGIN_FAILED'] } });
    expect(saved).toMatchObject({ ownerId: 'admin@acme', shared: false, filter: { actions: ['LOGIN_FAILED'] } });
    const events = await server.graphql(EVENTS, { id: saved.id }, owner);
    expect(events.data!.auditEvents.edges).toHaveLength(6);
    const narrowed = await server.graphql(EVENTS, { id: saved.id, filter: { actorIds: ['eve'] } }, owner);
    expect(narrowed.data!.auditEvents.edges).toHaveLength(3);
    expect((await server.graphql(STATS, { id: saved.id }, owner)).data!.auditStats.total).toBe(6);

    expect((await server.graphql(LIST, {}, colleague)).data!.savedFilters).toEqual([]);
    const hidden = await server.graphql(EVENTS, { id: saved.id }, colleague);
    expect(hidden.errors![0]).toMatchObject({
      message: expect.stringMatching(/^savedFilterId: /),
      extensions: { code: 'BAD_USER_INPUT' },
    });

    const shared = await server.graphql(
      `mutation($id: ID!) { shareSavedFilter(id: $id) { shared } }`,
      { id: saved.id },
      owner,
    );
    expect(shared.data!.shareSavedFilter.shared).toBe(true);
    expect((await server.graphql(LIST, {}, colleague)).data!.savedFilters).toEqual([
      { id: saved.id, name: 'Failed logins', shared: true },
    ]);
    expect((await server.graphql(STATS, { id: saved.id }, colleague)).data!.auditStats.total).toBe(6);
    const otherTenant = await server.graphql(EVENTS, { id: saved.id }, await adminToken('globex'));
    expect(otherTenant.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('lets only the owner rename and delete, and audits every change as CONFIG_CHANGE', async () => {
    const saved = await create(owner, { name: 'Exports', search: 'action:EXPORT user:eve', shared: true });
    const rename = `mutation($id: ID!, $name: String!) { renameSavedFilter(id: $id, name: $name) { name } }`;
    const refused = await server.graphql(rename, { id: saved.id, name: 'Mine now' }, colleague);
    expect(refused.errors![0].extensions!.code).toBe('FORBIDDEN');
    const renamed = await server.graphql(rename, { id: saved.id, name: 'Eve’s exports' }, owner);
    expect(renamed.data!.renameSavedFilter.name).toBe('Eve’s exports');
    expect((await server.graphql(EVENTS, { id: saved.id }, colleague)).data!.auditEvents.edges).toHaveLength(4);
    const remove = `mutation($id: ID!) { deleteSavedFilter(id: $id) }`;
    expect((await server.graphql(remove, { id: saved.id }, colleague)).errors![0].extensions!.code).toBe('FORBIDDEN');
    expect((await server.graphql(remove, { id: saved.id }, owner)).data!.deleteSavedFilter).toBe(true);
    expect((await server.graphql(remove, { id: saved.id }, owner)).errors![0].extensions!.code).toBe('NOT_FOUND');

    const changes = (await server.graphql(CONFIG_CHANGES, {}, owner)).data!.auditEvents.edges.map(
      (edge: { node: { metadata: { operation: string } } }) => edge.node,
    );
    const operations = changes.map((node: { metadata: { operation: string } }) => node.metadata.operation);
    expect(operations.slice(0, 3)).toEqual(['delete', 'rename', 'create']);
    expect(changes[1]).toMatchObject({
      actor: { id: 'admin@acme' },
      changes: [{ field: 'name', oldValue: 'Exports', newValue: 'Eve’s exports' }],
    });
  });

  it('refuses bad criteria naming the argument, and every saved-filter field to non-admins', async () => {
    const bad = await server.graphql(CREATE, { input: { name: 'x', search: 'nokey:1' } }, owner);
    expect(bad.errors![0]).toMatchObject({
      message: expect.stringMatching(/^input\.search/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const badIp = await server.graphql(CREATE, { input: { name: 'x', filter: { ip: 'nope' } } }, owner);
    expect(badIp.errors![0].message).toMatch(/^input\.filter\.ip/);
    for (const token of [await userToken('acme'), await serviceToken('acme')]) {
      expect((await server.graphql(LIST, {}, token)).errors![0].extensions!.code).toBe('FORBIDDEN');
      expect((await server.graphql(CREATE, { input: { name: 'x' } }, token)).errors![0].extensions!.code).toBe(
        'FORBIDDEN',
      );
    }
  });
});
