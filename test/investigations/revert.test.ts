import { createHmac } from 'node:crypto';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, userToken } from '../support/tokens';
import { startRevertEndpoint, type RevertEndpoint } from './revert-endpoint';

const SECRET = 'revert-signing-secret-for-tests';
const REVERT = `mutation($id: ID!, $fields: [String!], $force: Boolean) {
  revertAuditChange(eventId: $id, fields: $fields, force: $force) {
    forced revertedFields { field oldValue newValue }
    event { action entityType entityId actor { id } changes { field oldValue newValue } metadata }
  }
}`;
const REVERTS = `{ auditEvents(filter: { actions: [REVERT] }) { edges { node { id } } } }`;

describe('revertAuditChange', () => {
  let server: TestServer;
  let endpoint: RevertEndpoint;
  let admin: string;
  let ids: string[];

  beforeAll(async () => {
    endpoint = await startRevertEndpoint();
    server = await startTestServer({
      env: {
        REVERT_ENDPOINTS: JSON.stringify({ Opportunity: endpoint.url }),
        REVERT_SIGNING_SECRET: SECRET,
        REVERT_TIMEOUT_MS: '300',
      },
    });
    admin = await adminToken('acme');
    const update = (minute: number, changes: unknown[], entityId = 'opp-1') => ({
      occurredAt: new Date(Date.UTC(2026, 9, 1, 12, minute)).toISOString(),
      action: 'UPDATE',
      actor: { id: 'rep' },
      entityType: 'Opportunity',
      entityId,
      changes,
    });
    ids = await recordEvents(server, await serviceToken('acme'), [
      update(0, [
        { field: 'stage', oldValue: 'Qualification', newValue: 'Lost' },
        { field: 'amount', oldValue: 100, newValue: 0 },
      ]),
      update(5, [{ field: 'amount', oldValue: 0, newValue: 50 }]),
      update(6, [{ field: 'stage', oldValue: 'A', newValue: 'B' }], 'opp-2'),
      { ...update(7, [{ field: 'stage', oldValue: 'A', newValue: 'B' }]), entityType: 'Invoice' },
    ]);
  });
  afterAll(async () => {
    await server.stop();
    await endpoint.close();
  });

  beforeEach(() => {
    endpoint.mode = 'accept';
    endpoint.received.length = 0;
  });

  const revertCount = async () => (await server.graphql(REVERTS, {}, admin)).data!.auditEvents.edges.length;

  it('sends a signed request and records a REVERT event with old and new values and metadata.revertOf', async () => {
    const response = await server.graphql(REVERT, { id: ids[0], fields: ['stage'] }, admin);
    expect(response.errors).toBeUndefined();
    expect(response.data!.revertAuditChange).toMatchObject({
      forced: false,
      revertedFields: [{ field: 'stage', oldValue: 'Lost', newValue: 'Qualification' }],
      event: {
        action: 'REVERT',
        entityType: 'Opportunity',
        entityId: 'opp-1',
        actor: { id: 'admin@acme' },
        changes: [{ field: 'stage', oldValue: 'Lost', newValue: 'Qualification' }],
        metadata: { revertOf: ids[0], forced: false },
      },
    });
    const [request] = endpoint.received;
    const timestamp = request.headers['x-audit-timestamp'] as string;
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${request.body}`).digest('hex')}`;
    expect(request.headers['x-audit-signature']).toBe(expected);
    expect(JSON.parse(request.body)).toMatchObject({
      tenantId: 'acme',
      entityType: 'Opportunity',
      entityId: 'opp-1',
      revertOf: ids[0],
      fields: [{ field: 'stage', value: 'Qualification', expectedCurrentValue: 'Lost' }],
    });
  });

  it('refuses to revert a field changed again since, unless forced', async () => {
    const before = await revertCount();
    const refused = await server.graphql(REVERT, { id: ids[0], fields: ['amount'] }, admin);
    expect(refused.errors![0]).toMatchObject({
      extensions: { code: 'CONFLICT', reason: 'CHANGED_SINCE', fields: ['amount'] },
    });
    expect(refused.errors![0].message).toMatch(/amount changed again since/);
    expect(endpoint.received).toHaveLength(0);
    const forced = await server.graphql(REVERT, { id: ids[0], fields: ['amount'], force: true }, admin);
    expect(forced.data!.revertAuditChange).toMatchObject({
      forced: true,
      revertedFields: [{ field: 'amount', oldValue: 50, newValue: 100 }],
    });
    expect(await revertCount()).toBe(before + 1);
  });

  it('records nothing and says why when the owner refuses or does not answer in time', async () => {
    const before = await revertCount();
    endpoint.mode = 'refuse';
    const refused = await server.graphql(REVERT, { id: ids[2] }, admin);
    expect(refused.errors![0]).toMatchObject({ extensions: { code: 'REVERT_REFUSED' } });
    expect(refused.errors![0].message).toMatch(/the opportunity is closed/);
    endpoint.mode = 'hang';
    const timedOut = await server.graphql(REVERT, { id: ids[2] }, admin);
    expect(timedOut.errors![0]).toMatchObject({ extensions: { code: 'REVERT_TIMEOUT' } });
    expect(await revertCount()).toBe(before);
  });

  it('explains a missing endpoint, an unknown field, and an event of another tenant', async () => {
    expect((await server.graphql(REVERT, { id: ids[3] }, admin)).errors![0].extensions!.code).toBe(
      'REVERT_UNAVAILABLE',
    );
    const unknown = await server.graphql(REVERT, { id: ids[2], fields: ['owner'] }, admin);
    expect(unknown.errors![0]).toMatchObject({
      message: expect.stringMatching(/^fields: /),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const foreign = await server.graphql(REVERT, { id: ids[2] }, await adminToken('globex'));
    expect(foreign.errors![0].extensions!.code).toBe('NOT_FOUND');
    const user = await server.graphql(REVERT, { id: ids[2] }, await userToken('acme'));
    expect(user.errors![0].extensions!.code).toBe('FORBIDDEN');
    expect(endpoint.received).toHaveLength(0);
  });
});
