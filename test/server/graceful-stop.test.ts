import { RECORD_MUTATION } from '../support/events';
import { startTestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';

describe('stopping the server', () => {
  it('finishes writes in flight before it stops, and then refuses connections', async () => {
    const server = await startTestServer();
    const events = Array.from({ length: 1000 }, (_, i) => ({ actor: { id: 'u' }, action: 'VIEW', entityId: `e-${i}` }));
    const writing = server.graphql(RECORD_MUTATION, { events }, await serviceToken());
    await new Promise((resolve) => setTimeout(resolve, 20));
    const { knex } = server.app.services;
    await server.app.stop();
    const written = await writing;
    expect(written.errors).toBeUndefined();
    expect(written.data!.recordAuditEvents.recorded).toBe(1000);
    const { rows } = await knex.raw(`SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = 'acme'`);
    expect(rows[0].n).toBe(1000);
    await expect(server.graphql('{ __typename }', {}, await adminToken())).rejects.toThrow();
    await server.database.drop();
  });
});
