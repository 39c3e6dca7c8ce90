import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, signToken } from '../support/tokens';
import { liveSubscriptions } from '../support/metrics';
import { event, record, subscribeLive } from './live-support';

const CREATE = `mutation($input: AuditSavedFilterInput!) { createSavedFilter(input: $input) { id } }`;

describe('auditEventRecorded with a saved filter', () => {
  let server: TestServer;
  let owner: string;

  beforeAll(async () => {
    server = await startTestServer();
    owner = await adminToken('acme');
  });
  afterAll(() => server.stop());

  it('ANDs the saved filter and its search with the subscription’s own filter, for admins who may use it', async () => {
    const created = await server.graphql(
      CREATE,
      { input: { name: 'Contact deletions', filter: { actions: ['DELETE'] }, search: 'entity:Contact' } },
      owner,
    );
    const savedFilterId = created.data!.createSavedFilter.id;
    const live = subscribeLive(server, owner, { savedFilterId, filter: { actorIds: ['u1'] } });
    const stranger = subscribeLive(server, await signToken({ org: 'acme', role: 'ADMIN', sub: 'other-admin' }), {
      savedFilterId,
    });
    await liveSubscriptions(server, 1); // the stranger's is refused before it joins a feed
    const service = await serviceToken('acme');
    await record(server, service, [
      event('DELETE', { entityType: 'Contact', entityId: 'kept' }),
      event('DELETE', { entityType: 'Deal', entityId: 'other-type' }),
      event('UPDATE', { entityType: 'Contact', entityId: 'other-action' }),
      event('DELETE', { entityType: 'Contact', entityId: 'other-actor', actor: { id: 'u2' } }),
    ]);
    expect((await live.waitFor(1)).map((e) => e.entityId)).toEqual(['kept']);
    await stranger.ended;
    expect(stranger.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    ]);
    // Events reach a subscriber in commit order: once this one is there, nothing recorded before it is still coming.
    await record(server, service, [event('DELETE', { entityType: 'Contact', entityId: 'marker' })]);
    expect((await live.waitFor(2)).map((e) => e.entityId)).toEqual(['kept', 'marker']);
    await Promise.all([live.dispose(), stranger.dispose()]);
  });
});
