import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';

// Far in the past against every retention range (at most 3650 days) whatever today is.
const OLD = Date.UTC(2001, 2, 1);
const EVENTS = 1000;
const ORG = 'interleaved';
// Several full walks of the chain and table-wide trigger switches per test, on a loaded machine.
jest.setTimeout(60_000);

const INTEGRITY = `{ auditLogIntegrity { ok eventsChecked firstBrokenSequence } }`;

describe('retention where categories interleave (every other sequence archived)', () => {
  let server: TestServer;
  let admin: string;
  const sql = async (text: string, bindings: unknown[] = []) =>
    (await server.app.services.knex.raw(text, bindings as never)).rows;
  const withoutTriggers = async (text: string, bindings: unknown[] = []) => {
    await sql('ALTER TABLE audit_events DISABLE TRIGGER USER');
    try {
      await sql(text, bindings);
    } finally {
      await sql('ALTER TABLE audit_events ENABLE TRIGGER USER');
    }
  };
  const check = async () => (await server.graphql(INTEGRITY, {}, admin)).data!.auditLogIntegrity;

  beforeAll(async () => {
    server = await startTestServer({ env: { RETENTION_INTERVAL: '0', RETENTION_FILE_ROWS: '1000' } });
    admin = await adminToken(ORG);
    // API_ACCESS and RECORD_CHANGE alternate; a legal hold keeps every RECORD_CHANGE live.
    const events = Array.from({ length: EVENTS }, (_, i) => ({
      actor: { id: `u${i % 5}` },
      action: i % 2 ? 'UPDATE' : 'API_CALL',
      occurredAt: new Date(OLD + i * 60_000).toISOString(),
      entityType: 'Opportunity',
      entityId: `rec-${i}`,
      changes: [{ field: 'stage', oldValue: 'Qualification', newValue: `Proposal ${i}` }],
    }));
    await recordEvents(server, await serviceToken(ORG), events);
    const hold = await server.graphql(
      `mutation { placeLegalHold(reason: "keep the record changes", match: "category:RECORD_CHANGE") { id } }`,
      {},
      admin,
    );
    expect(hold.errors).toBeUndefined();
  });
  afterAll(() => server.stop());

  it('keeps a few bytes per archived event, no row of its own, and the chain verifies', async () => {
    const applied = await server.graphql(`mutation { applyRetention { archived heldBack } }`, {}, admin);
    expect(applied.data!.applyRetention).toEqual({ archived: EVENTS / 2, heldBack: EVENTS / 2 });
    expect(await sql(`SELECT to_regclass('audit_chain_anchors') AS anchors`)).toEqual([{ anchors: null }]);
    const [index] = await sql(
      `SELECT count(*)::int AS files, sum(row_count)::int AS archived, sum(pg_column_size(f.*))::int AS bytes
       FROM archive_files f WHERE tenant_id = ?`,
      [ORG],
    );
    expect(index).toMatchObject({ files: 1, archived: EVENTS / 2 });
    expect(index.bytes / index.archived).toBeLessThan(16);
    // What the live events carry: the previous hash, on each event right after an archived one only.
    const [kept] = await sql(
      `SELECT count(*)::int AS events, sum(octet_length(previous_hash))::int AS bytes
       FROM audit_events WHERE tenant_id = ? AND previous_hash IS NOT NULL`,
      [ORG],
    );
    expect(kept).toEqual({ events: EVENTS / 2, bytes: (EVENTS / 2) * 32 });
    expect(await check()).toMatchObject({ ok: true, firstBrokenSequence: null });
  });

  it('catches an edited surviving event right after an archived one', async () => {
    const [{ sequence, entity_id: entityId }] = await sql(
      `SELECT sequence::text, entity_id FROM audit_events WHERE tenant_id = ? AND sequence = 100`,
      [ORG],
    );
    expect(await sql(`SELECT 1 FROM audit_events WHERE tenant_id = ? AND sequence = 99`, [ORG])).toEqual([]);
    await withoutTriggers(`UPDATE audit_events SET entity_id = 'forged' WHERE tenant_id = ? AND sequence = ?`, [
      ORG,
      sequence,
    ]);
    expect(await check()).toMatchObject({ ok: false, firstBrokenSequence: sequence });
    await withoutTriggers(`UPDATE audit_events SET entity_id = ? WHERE tenant_id = ? AND sequence = ?`, [
      entityId,
      ORG,
      sequence,
    ]);
    expect(await check()).toMatchObject({ ok: true });
    // The predecessor's hash it kept, forged: the event no longer matches its own hash.
    const [{ previous_hash: kept }] = await sql(
      `SELECT previous_hash FROM audit_events WHERE tenant_id = ? AND sequence = ?`,
      [ORG, sequence],
    );
    await withoutTriggers(
      `UPDATE audit_events SET previous_hash = sha256('forged') WHERE tenant_id = ? AND sequence = ?`,
      [ORG, sequence],
    );
    expect(await check()).toMatchObject({ ok: false, firstBrokenSequence: sequence });
    await withoutTriggers(`UPDATE audit_events SET previous_hash = ? WHERE tenant_id = ? AND sequence = ?`, [
      kept,
      ORG,
      sequence,
    ]);
    expect(await check()).toMatchObject({ ok: true });
  });

  it('catches a surviving event removed between two archived ones, even listed as archived', async () => {
    const sequence = '500';
    expect(await sql(`SELECT 1 FROM audit_events WHERE tenant_id = ? AND sequence IN (499, 501)`, [ORG])).toEqual([]);
    await withoutTriggers(`DELETE FROM audit_events WHERE tenant_id = ? AND sequence = ?`, [ORG, sequence]);
    expect(await check()).toMatchObject({ ok: false, firstBrokenSequence: sequence });
    // Passed off as archived: added to an archive file's list, whose signed digest then no longer matches.
    await sql(
      `UPDATE archive_files SET sequences = (SELECT array_agg(s ORDER BY s) FROM unnest(sequences || ?::bigint) s)
       WHERE tenant_id = ?`,
      [sequence, ORG],
    );
    expect((await check()).ok).toBe(false);
  });
});
