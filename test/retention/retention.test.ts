import { createHash } from 'node:crypto';
import { verifyDocument, type PublicJwk } from '../../src/checkpoints/signed-document';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, userToken } from '../support/tokens';

// Far in the past against every retention range (at most 3650 days) whatever today is; "live" events are written now.
const OLD = Date.UTC(2001, 2, 1);
const at = (minutes: number) => new Date(OLD + minutes * 60_000).toISOString();

const PAGE = `query($search: String, $filter: AuditEventFilter, $after: String, $first: Int, $archived: Boolean) {
  auditEvents(search: $search, filter: $filter, after: $after, first: $first, includeArchived: $archived) {
    edges { cursor node { id sequence occurredAt recordedAt action category entityType entityId ipAddress changes { field oldValue newValue } metadata actor { id email role } } }
    pageInfo { hasNextPage endCursor } } }`;
const APPLY = `mutation { applyRetention { archived deleted heldBack } }`;
const SET = `mutation($category: AuditCategory!, $retainDays: Int, $grace: Int) {
  setRetentionPolicy(category: $category, retainDays: $retainDays, archiveGraceDays: $grace) { category retainDays archiveGraceDays minDays maxDays } }`;
const INTEGRITY = `{ auditLogIntegrity { ok eventsChecked firstBrokenSequence firstBrokenDeletionRecord } }`;

function oldEvents(count: number, offset = 0) {
  const actions = ['LOGIN', 'UPDATE', 'API_CALL', 'VIEW', 'EXPORT', 'BULK_UPDATE', 'CREATE'];
  return Array.from({ length: count }, (_, i) => ({
    actor: { id: `u${i % 3}`, email: `user${i % 3}@example.com`, role: i % 2 ? 'ADMIN' : 'SALES' },
    action: actions[i % actions.length],
    occurredAt: at(offset + i * 7),
    entityType: i % 4 === 0 ? 'Contract' : 'Opportunity',
    entityId: `rec-${i}`,
    ipAddress: i % 5 === 0 ? '2001:db8::7' : `198.51.100.${i}`,
    changes: i % 3 === 0 ? [{ field: 'stage', oldValue: 'Qualification', newValue: { n: i, label: 'Proposal' } }] : [],
    metadata: i % 7 === 4 ? { recordCount: i } : { note: `n${i}`, nested: { b: 2, a: 1 } },
  }));
}

describe('retention, archive, legal holds and deletion', () => {
  let server: TestServer;
  const searches: Array<Record<string, unknown>> = [
    {},
    { search: 'action:UPDATE action:LOGIN' },
    { search: 'user:user1 -role:ADMIN' },
    { search: 'ip:198.51.100.0/28' },
    { search: 'field:stage new_value:proposal' },
    { search: 'proposal' },
    { search: 'entity:contract date:2001-03-01..2001-03-02' },
    { filter: { categories: ['SECURITY', 'API_ACCESS'], ip: '2001:db8::/32' } },
    { filter: { from: at(30), to: at(200), actorIds: ['u2'] } },
    { search: 'role:sales field:stage category:SECURITY category:RECORD_CHANGE' },
    { search: 'user:USER2@Example.com date:<2001-02-01 date:>2001-06-01' },
    { filter: { field: 'stage', entityTypes: ['Opportunity'] }, search: 'source:API -user:u1' },
  ];

  async function allPages(org: string, variables: Record<string, unknown>, first = 7) {
    const token = await adminToken(org);
    const pages: unknown[] = [];
    let after: string | null = null;
    for (;;) {
      const response = await server.graphql(PAGE, { ...variables, first, after, archived: true }, token);
      expect(response.errors).toBeUndefined();
      const connection: any = response.data!.auditEvents;
      pages.push(...connection.edges);
      if (!connection.pageInfo.hasNextPage) return pages;
      after = connection.pageInfo.endCursor;
    }
  }

  beforeAll(async () => {
    server = await startTestServer({ env: { RETENTION_INTERVAL: '0', RETENTION_FILE_ROWS: '8' } });
  });
  afterAll(() => server.stop());

  it('serves the defaults and ranges, refuses values out of range naming the argument, and audits changes', async () => {
    const admin = await adminToken('policies');
    const policies = (
      await server.graphql(`{ retentionPolicies { category retainDays archiveGraceDays minDays maxDays } }`, {}, admin)
    ).data!.retentionPolicies;
    expect(policies).toEqual(
      expect.arrayContaining([
        { category: 'RECORD_CHANGE', retainDays: 2555, archiveGraceDays: 90, minDays: 365, maxDays: 3650 },
        { category: 'SECURITY', retainDays: 730, archiveGraceDays: 90, minDays: 365, maxDays: 2555 },
        { category: 'API_ACCESS', retainDays: 365, archiveGraceDays: 90, minDays: 182, maxDays: 1825 },
        { category: 'DATA_EXPORT', retainDays: 2555, archiveGraceDays: 90, minDays: 1095, maxDays: 3650 },
        { category: 'CONFIG', retainDays: 3650, archiveGraceDays: 90, minDays: 1825, maxDays: null },
        { category: 'BULK_OPERATION', retainDays: 1825, archiveGraceDays: 90, minDays: 730, maxDays: 3650 },
        { category: 'DATA_ACCESS', retainDays: 365, archiveGraceDays: 90, minDays: 182, maxDays: 2555 },
      ]),
    );
    expect(policies).toHaveLength(7);
    for (const [variables, argument] of [
      [{ category: 'SECURITY', retainDays: 364 }, 'retainDays'],
      [{ category: 'SECURITY', retainDays: 2556 }, 'retainDays'],
      [{ category: 'SECURITY', retainDays: null }, 'retainDays'],
      [{ category: 'SECURITY', grace: -1 }, 'archiveGraceDays'],
      [{ category: 'SECURITY', grace: 3651 }, 'archiveGraceDays'],
    ] as const) {
      const response = await server.graphql(SET, variables, admin);
      expect(response.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument } });
    }
    const forever = await server.graphql(SET, { category: 'CONFIG', retainDays: null }, admin);
    expect(forever.data!.setRetentionPolicy).toMatchObject({ retainDays: null, archiveGraceDays: 90 });
    const changed = await server.graphql(SET, { category: 'SECURITY', retainDays: 365, grace: 0 }, admin);
    expect(changed.data!.setRetentionPolicy).toMatchObject({ retainDays: 365, archiveGraceDays: 0 });
    const graceOnly = await server.graphql(SET, { category: 'SECURITY', grace: 30 }, admin);
    expect(graceOnly.data!.setRetentionPolicy).toMatchObject({ retainDays: 365, archiveGraceDays: 30 });

    const audited = await server.graphql(
      `{ auditEvents(filter: { actions: [RETENTION_CHANGE] }) { edges { node { entityType entityId changes { field oldValue newValue } } } } }`,
      {},
      admin,
    );
    expect(audited.data!.auditEvents.edges.map((edge: any) => edge.node)).toEqual([
      {
        entityType: 'RetentionPolicy',
        entityId: 'SECURITY',
        changes: [{ field: 'archiveGraceDays', oldValue: 0, newValue: 30 }],
      },
      {
        entityType: 'RetentionPolicy',
        entityId: 'SECURITY',
        changes: expect.arrayContaining([
          { field: 'retainDays', oldValue: 730, newValue: 365 },
          { field: 'archiveGraceDays', oldValue: 90, newValue: 0 },
        ]),
      },
      {
        entityType: 'RetentionPolicy',
        entityId: 'CONFIG',
        changes: [{ field: 'retainDays', oldValue: 3650, newValue: null }],
      },
    ]);
    const user = await server.graphql(SET, { category: 'SECURITY', retainDays: 400 }, await userToken('policies'));
    expect(user.errors![0].extensions!.code).toBe('FORBIDDEN');
    expect((await server.graphql(APPLY, {}, await userToken('policies'))).errors![0].extensions!.code).toBe(
      'FORBIDDEN',
    );
  });

  const org = 'archive';
  const before: unknown[][] = [];
  let holdId: string;

  it('archives past-retention events not under a legal hold, and reports the held ones', async () => {
    const admin = await adminToken(org);
    await recordEvents(server, await serviceToken(org), oldEvents(40));
    await recordEvents(server, await serviceToken(org), [
      { actor: { id: 'u1' }, action: 'UPDATE', entityType: 'Contract', entityId: 'now' },
    ]);
    for (const variables of searches) before.push(await allPages(org, variables));
    expect(before[0]).toHaveLength(41);

    const hold = (
      await server.graphql(
        `mutation { placeLegalHold(reason: "litigation 42", match: "entity:Contract user:user0") { id reason match placedBy releasedAt } }`,
        {},
        admin,
      )
    ).data!.placeLegalHold;
    expect(hold).toMatchObject({ reason: 'litigation 42', match: 'entity:Contract user:user0', releasedAt: null });
    const applied = await server.graphql(APPLY, {}, admin);
    expect(applied.errors).toBeUndefined();
    const first = applied.data!.applyRetention;
    // 40 old events; those of user0 on a Contract (i = 0, 12, 24, 36) are held.
    expect(first).toEqual({ archived: 36, deleted: 0, heldBack: 4 });

    holdId = hold.id;
    const live = (await server.graphql(PAGE, { first: 100 }, admin)).data!.auditEvents.edges;
    expect(live).toHaveLength(4 + 1 + 1); // the held ones, the recent one, the hold’s CONFIG_CHANGE
  });

  it('finds archived events with includeArchived: the same results, in the same order, with the same cursors', async () => {
    const admin = await adminToken(org);
    for (const [index, variables] of searches.entries()) {
      const after = await allPages(org, variables, 10);
      const expected = before[index] as any[];
      // The hold's own CONFIG_CHANGE event is new since; the rest is the same, in the same order.
      expect(after.filter((edge: any) => edge.node.action !== 'CONFIG_CHANGE')).toEqual(expected);
    }
    expect((await server.graphql(INTEGRITY, {}, admin)).data!.auditLogIntegrity).toMatchObject({ ok: true });
  });

  it('releases the hold, then deletes after a grace of 0 days, with deletion records', async () => {
    const admin = await adminToken(org);
    const hold = { id: holdId };
    await server.graphql(
      `mutation($id: ID!) { releaseLegalHold(id: $id) { releasedAt releasedBy } }`,
      { id: hold.id },
      admin,
    );
    const holds = await server.graphql(
      `{ active: legalHolds { id } all: legalHolds(includeReleased: true) { id releasedAt } }`,
      {},
      admin,
    );
    expect(holds.data!.active).toEqual([]);
    expect(holds.data!.all).toEqual([{ id: hold.id, releasedAt: expect.any(String) }]);
    for (const category of ['SECURITY', 'RECORD_CHANGE', 'API_ACCESS', 'DATA_ACCESS', 'DATA_EXPORT', 'BULK_OPERATION'])
      await server.graphql(SET, { category, grace: 0 }, admin);
    const second = (await server.graphql(APPLY, {}, admin)).data!.applyRetention;
    expect(second).toEqual({ archived: 4, deleted: 40, heldBack: 0 });
    expect((await allPages(org, {})).filter((edge: any) => edge.node.occurredAt < '2002')).toEqual([]);

    const log = (
      await server.graphql(
        `{ deletionLog(first: 100) { edges { node { reason category eventCount fromSequence toSequence occurredFrom occurredTo digest archivedAt deletedAt } } } }`,
        {},
        admin,
      )
    ).data!.deletionLog.edges.map((edge: any) => edge.node);
    expect(log.reduce((sum: number, record: any) => sum + record.eventCount, 0)).toBe(40);
    expect(log.every((record: any) => record.reason === 'RETENTION')).toBe(true);
    const integrity = (await server.graphql(INTEGRITY, {}, admin)).data!.auditLogIntegrity;
    expect(integrity).toMatchObject({ ok: true, firstBrokenSequence: null });
    expect(before[0]).toBeDefined();
    // The digest: SHA-256 over the removed events' hashes in sequence order (checked against the archive in the verifier test).
    expect(log[0].digest).toMatch(/^[0-9a-f]{64}$/);
    expect(createHash('sha256').update('').digest('hex')).not.toBe(log[0].digest);
  });

  it('signs checkpoints that the published keys verify', async () => {
    const admin = await adminToken('archive');
    const checkpoints = (
      await server.graphql(
        `{ auditCheckpoints { tenantId sequence hash signedAt deletionRecords deletionHash keyId signature } }`,
        {},
        admin,
      )
    ).data!.auditCheckpoints;
    expect(checkpoints.length).toBeGreaterThanOrEqual(2);
    const jwks = (await (await fetch(`${server.url}/.well-known/audit-keys.json`)).json()) as { keys: PublicJwk[] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: expect.any(String) });
    for (const checkpoint of checkpoints) {
      const document = { ...checkpoint, signedAt: new Date(checkpoint.signedAt).toISOString() };
      expect(verifyDocument(document, jwks.keys)).toBe(true);
      expect(verifyDocument({ ...document, sequence: '1' }, jwks.keys)).toBe(false);
    }
  });

  it('still catches an edited or removed surviving event, and a removed deletion record', async () => {
    const admin = await adminToken(org);
    const { knex } = server.app.services;
    const withoutTriggers = async (table: string, sql: string) => {
      await knex.raw(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
      try {
        await knex.raw(sql);
      } finally {
        await knex.raw(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
      }
    };
    const check = async () => (await server.graphql(INTEGRITY, {}, admin)).data!.auditLogIntegrity;
    const [{ sequence }] = (
      await knex.raw(`SELECT min(sequence)::text AS sequence FROM audit_events WHERE tenant_id = ?`, [org])
    ).rows;
    await withoutTriggers(
      'deletion_records',
      `DELETE FROM deletion_records WHERE tenant_id = '${org}' AND position = (SELECT max(position) FROM deletion_records WHERE tenant_id = '${org}')`,
    );
    expect(await check()).toMatchObject({ ok: false, firstBrokenDeletionRecord: expect.any(Number) });
    await knex.raw(`ALTER TABLE audit_checkpoints DISABLE TRIGGER USER`);
    await knex.raw(`DELETE FROM audit_checkpoints WHERE tenant_id = ?`, [org]);
    await knex.raw(`ALTER TABLE audit_checkpoints ENABLE TRIGGER USER`);
    await withoutTriggers(
      'audit_events',
      `UPDATE audit_events SET entity_id = 'forged' WHERE tenant_id = '${org}' AND sequence = ${sequence}`,
    );
    expect(await check()).toMatchObject({ ok: false, firstBrokenSequence: sequence });
    await withoutTriggers(
      'audit_events',
      `DELETE FROM audit_events WHERE tenant_id = '${org}' AND sequence = ${sequence}`,
    );
    expect(await check()).toMatchObject({ ok: false, firstBrokenSequence: sequence });
  });
});
