import { CRM_ENTITY_TYPES } from '../../src/history/crm-entity-types';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, userToken } from '../support/tokens';

const ENTITIES = `query Entities($representations: [_Any!]!, $first: Int, $filter: RecordHistoryFilter) {
  _entities(representations: $representations) {
    __typename
    ... on Lead { id auditHistory(first: $first, filter: $filter) { edges { node { entityId action changes { field } } } pageInfo { hasNextPage endCursor } } }
    ... on Opportunity { id auditHistory(first: $first, filter: $filter) { edges { node { entityId action } } } }
    ... on User { id auditActivity(first: $first) { edges { node { actor { id } } } } }
  }
}`;

describe('auditHistory on CRM entities through _entities', () => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await adminToken('acme');
    const events = Array.from({ length: 100 }, (_, lead) =>
      Array.from({ length: 3 }, (_, version) => ({
        actor: { id: `rep-${lead % 5}` },
        action: version === 0 ? 'CREATE' : 'UPDATE',
        entityType: 'Lead',
        entityId: `lead-${lead}`,
        occurredAt: new Date(Date.UTC(2026, 10, 1, 0, lead, version)).toISOString(),
        changes: [{ field: version === 2 ? 'status' : 'name', newValue: `v${version}` }],
      })),
    ).flat();
    events.push({
      actor: { id: 'rep-1' },
      action: 'UPDATE',
      entityType: 'Opportunity',
      entityId: 'lead-1',
      changes: [],
    } as never);
    await recordEvents(server, await serviceToken('acme'), events);
    await recordEvents(server, await serviceToken('globex'), [
      { actor: { id: 'intruder' }, action: 'DELETE', entityType: 'Lead', entityId: 'lead-1' },
    ]);
  });
  afterAll(() => server.stop());

  it('serves every CRM type with its own history, newest first, scoped to the caller’s tenant', async () => {
    const response = await server.graphql(
      ENTITIES,
      {
        representations: [
          { __typename: 'Lead', id: 'lead-1' },
          { __typename: 'Opportunity', id: 'lead-1' },
        ],
      },
      admin,
    );
    expect(response.errors).toBeUndefined();
    const [lead, opportunity] = response.data!._entities;
    expect(lead.auditHistory.edges.map((e: { node: { action: string } }) => e.node.action)).toEqual([
      'UPDATE',
      'UPDATE',
      'CREATE',
    ]);
    expect(opportunity.auditHistory.edges).toHaveLength(1);
    expect(CRM_ENTITY_TYPES).toHaveLength(9);
  });

  it('reads the histories of 100 records with one SQL statement', async () => {
    // Other workers (alert evaluation) share the connection pool: count what reads these leads.
    const statements: string[] = [];
    const mentionsLeads = (bindings: unknown[] = []) => JSON.stringify(bindings).includes('"lead-');
    const count = (query: { sql: string; bindings?: unknown[] }) =>
      mentionsLeads(query.bindings) && statements.push(query.sql);
    server.app.services.reads.on('query', count);
    const representations = Array.from({ length: 100 }, (_, lead) => ({ __typename: 'Lead', id: `lead-${lead}` }));
    const response = await server.graphql(ENTITIES, { representations, first: 2 }, admin);
    server.app.services.reads.off('query', count);
    expect(response.errors).toBeUndefined();
    expect(statements).toHaveLength(1);
    expect(statements[0]).toContain('audit_events');
    const entities = response.data!._entities;
    expect(entities).toHaveLength(100);
    entities.forEach(
      (lead: {
        id: string;
        auditHistory: { edges: Array<{ node: { entityId: string } }>; pageInfo: { hasNextPage: boolean } };
      }) => {
        expect(lead.auditHistory.edges).toHaveLength(2);
        expect(lead.auditHistory.pageInfo.hasNextPage).toBe(true);
        lead.auditHistory.edges.forEach((edge) => expect(edge.node.entityId).toBe(lead.id));
      },
    );
  });

  it('narrows a history by field and action, and pages it with cursors', async () => {
    const filtered = await server.graphql(
      ENTITIES,
      { representations: [{ __typename: 'Lead', id: 'lead-7' }], filter: { fields: ['status'] } },
      admin,
    );
    expect(
      filtered.data!._entities[0].auditHistory.edges.map(
        (e: { node: { changes: Array<{ field: string }> } }) => e.node.changes[0].field,
      ),
    ).toEqual(['status']);
    const page = `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Lead { auditHistory(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } } }`;
    const first = await server.graphql(page, { r: [{ __typename: 'Lead', id: 'lead-7' }] }, admin);
    const { endCursor } = first.data!._entities[0].auditHistory.pageInfo;
    const second = await server.graphql(page, { r: [{ __typename: 'Lead', id: 'lead-7' }], after: endCursor }, admin);
    expect(second.data!._entities[0].auditHistory.edges).toHaveLength(1);
    expect(second.data!._entities[0].auditHistory.pageInfo.hasNextPage).toBe(false);
  });

  it('lists what a user did with User.auditActivity', async () => {
    const response = await server.graphql(
      ENTITIES,
      { representations: [{ __typename: 'User', id: 'rep-1' }], first: 500 },
      admin,
    );
    const actors = response.data!._entities[0].auditActivity.edges.map(
      (e: { node: { actor: { id: string } } }) => e.node.actor.id,
    );
    expect(actors).toHaveLength(61);
    expect(new Set(actors)).toEqual(new Set(['rep-1']));
  });

  it('gives a non-admin null audit fields with FORBIDDEN, and the record itself', async () => {
    for (const token of [await userToken('acme'), await serviceToken('acme')]) {
      const response = await server.graphql(
        ENTITIES,
        { representations: [{ __typename: 'Lead', id: 'lead-1' }] },
        token,
      );
      expect(response.data!._entities[0]).toEqual({ __typename: 'Lead', id: 'lead-1', auditHistory: null });
      expect(response.errors![0]).toMatchObject({
        path: ['_entities', 0, 'auditHistory'],
        extensions: { code: 'FORBIDDEN' },
      });
    }
    const anonymous = await server.graphql(ENTITIES, { representations: [{ __typename: 'Lead', id: 'lead-1' }] });
    expect(anonymous.data!._entities[0].auditHistory).toBeNull();
    expect(anonymous.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a page size over 500 naming the argument', async () => {
    const response = await server.graphql(
      ENTITIES,
      { representations: [{ __typename: 'Lead', id: 'lead-1' }], first: 501 },
      admin,
    );
    expect(response.errors![0]).toMatchObject({
      message: expect.stringMatching(/^first: /),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});
