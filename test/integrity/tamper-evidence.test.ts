import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';

const INTEGRITY = `query($from: DateTime, $to: DateTime) { auditLogIntegrity(from: $from, to: $to) { ok eventsChecked firstBrokenSequence } }`;

describe('append-only storage and the hash chain', () => {
  let server: TestServer;

  const tamper = async (sql: string) => {
    const { knex } = server.app.services;
    await knex.raw('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    try {
      await knex.raw(sql);
    } finally {
      await knex.raw('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    }
  };
  const check = async (org: string, variables = {}) =>
    (await server.graphql(INTEGRITY, variables, await adminToken(org))).data!.auditLogIntegrity;
  const events = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      actor: { id: 'u1' },
      action: 'UPDATE',
      entityType: 'Deal',
      entityId: `d-${i}`,
      ipAddress: i % 2 ? '2001:DB8:0:0::7' : '198.51.100.1',
      changes: [{ field: 'amount', oldValue: { currency: 'EUR', value: i }, newValue: 1.5e3 + i }],
      metadata: { z: 1, a: [true, null, 'x'], nested: { b: 2, a: 1 } },
      location: { country: 'FR', city: 'Paris', latitude: 48.85, longitude: 2.35 },
    }));

  beforeAll(async () => {
    server = await startTestServer();
    for (const org of ['intact', 'edited', 'removed', 'truncated'])
      await recordEvents(server, await serviceToken(org), events(30));
  });
  afterAll(() => server.stop());

  it('refuses UPDATE, DELETE and TRUNCATE of stored events in the database itself', async () => {
    const { knex } = server.app.services;
    await expect(knex.raw(`UPDATE audit_events SET action = 'VIEW' WHERE tenant_id = 'intact'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(knex.raw(`DELETE FROM audit_events WHERE tenant_id = 'intact'`)).rejects.toThrow(/append-only/);
    await expect(knex.raw('TRUNCATE audit_events')).rejects.toThrow(/append-only/);
    await expect(knex.raw(`DELETE FROM audit_event_keys`)).rejects.toThrow(/append-only/);
  });

  it('verifies an untouched chain, whole and over a time range', async () => {
    expect(await check('intact')).toEqual({ ok: true, eventsChecked: 30, firstBrokenSequence: null });
    // Ranges are of recordedAt, the database's clock: "after the last one" from the events, not from this process's clock.
    const recorded = await server.graphql(
      '{ auditEvents(first: 100) { edges { node { recordedAt } } } }',
      {},
      await adminToken('intact'),
    );
    const last = Math.max(...recorded.data!.auditEvents.edges.map((edge: any) => Date.parse(edge.node.recordedAt)));
    const future = new Date(last + 1).toISOString();
    expect(await check('intact', { from: future })).toEqual({ ok: true, eventsChecked: 0, firstBrokenSequence: null });
    expect(await check('intact', { from: '2020-01-01T00:00:00Z', to: future })).toMatchObject({
      ok: true,
      eventsChecked: 30,
    });
  });

  it('reports the first edited event', async () => {
    await tamper(
      `UPDATE audit_events SET changes = '[{"field":"amount","oldValue":null,"newValue":1}]' WHERE tenant_id = 'edited' AND sequence IN (12, 20)`,
    );
    expect(await check('edited')).toEqual({ ok: false, eventsChecked: 11, firstBrokenSequence: '12' });
  });

  it('reports a removed event, and a removed tail', async () => {
    await tamper(`DELETE FROM audit_events WHERE tenant_id = 'removed' AND sequence = 7`);
    expect(await check('removed')).toMatchObject({ ok: false, firstBrokenSequence: '7' });
    await tamper(`DELETE FROM audit_events WHERE tenant_id = 'truncated' AND sequence >= 29`);
    expect(await check('truncated')).toMatchObject({ ok: false, firstBrokenSequence: '29' });
  });

  it('refuses from after to, naming the argument', async () => {
    const response = await server.graphql(
      INTEGRITY,
      { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      await adminToken('intact'),
    );
    expect(response.errors![0]).toMatchObject({
      message: expect.stringMatching(/^from: /),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});
