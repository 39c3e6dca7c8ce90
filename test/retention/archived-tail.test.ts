import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';

// Far in the past against every retention range (at most 3650 days) whatever today is.
const OLD = Date.UTC(2001, 2, 1);
const ORG = 'archived-tail';
const INTEGRITY = `{ auditLogIntegrity { ok eventsChecked firstBrokenSequence } }`;
jest.setTimeout(60_000);

const event = (i: number, occurredAt?: string) => ({
  actor: { id: `u${i}` },
  action: 'UPDATE',
  entityType: 'Lead',
  entityId: `lead-${i}`,
  changes: [{ field: 'status', oldValue: 'new', newValue: `working ${i}` }],
  ...(occurredAt ? { occurredAt } : {}),
});

describe('retention that archives the newest sequences of a chain (events recorded late about the past)', () => {
  let server: TestServer;
  let admin: string;
  let service: string;
  const check = async () => (await server.graphql(INTEGRITY, {}, admin)).data!.auditLogIntegrity;

  beforeAll(async () => {
    server = await startTestServer({ env: { RETENTION_INTERVAL: '0' } });
    admin = await adminToken(ORG);
    service = await serviceToken(ORG);
    // Recent events first, then an import of old ones: the old ones hold the chain's last sequences.
    await recordEvents(
      server,
      service,
      [1, 2, 3].map((i) => event(i)),
    );
    await recordEvents(
      server,
      service,
      [4, 5, 6].map((i) => event(i, new Date(OLD + i * 60_000).toISOString())),
    );
  });
  afterAll(() => server.stop());

  it('verifies the events appended after the archived end of the chain, archives them in turn, and catches an edit', async () => {
    const applied = await server.graphql(`mutation { applyRetention { archived heldBack } }`, {}, admin);
    expect(applied.data!.applyRetention).toEqual({ archived: 3, heldBack: 0 });
    expect(await check()).toMatchObject({ ok: true, firstBrokenSequence: null });
    // Sequence 7 follows the archived 6 and keeps no hash of it: the archive file's last hash stands for it.
    await recordEvents(server, service, [event(7, new Date(OLD + 7 * 60_000).toISOString())]);
    expect(await check()).toMatchObject({ ok: true, eventsChecked: 4, firstBrokenSequence: null });
    const again = await server.graphql(`mutation { applyRetention { archived heldBack } }`, {}, admin);
    expect(again.data!.applyRetention).toEqual({ archived: 1, heldBack: 0 });
    await recordEvents(server, service, [event(8)]);
    expect(await check()).toMatchObject({ ok: true, eventsChecked: 4, firstBrokenSequence: null });

    const knex = server.app.services.knex;
    await knex.raw('ALTER TABLE audit_events DISABLE TRIGGER USER');
    try {
      await knex.raw(`UPDATE audit_events SET entity_id = 'forged' WHERE tenant_id = ? AND sequence = 8`, [ORG]);
    } finally {
      await knex.raw('ALTER TABLE audit_events ENABLE TRIGGER USER');
    }
    expect(await check()).toMatchObject({ ok: false, firstBrokenSequence: '8' });
  });
});
