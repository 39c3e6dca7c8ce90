import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, userToken } from '../support/tokens';

const at = (minute: number) => new Date(Date.UTC(2026, 9, 1, 12, minute)).toISOString();

const SNAPSHOT = `query($r: [_Any!]!, $at: DateTime!) { _entities(representations: $r) { ... on Opportunity {
  id auditSnapshot(at: $at) { status deletedAt lastEventAt fields { field value setAt setBy { id } } } } } }`;
const DIFF = `query($r: [_Any!]!, $from: DateTime!, $to: DateTime!) { _entities(representations: $r) { ... on Opportunity {
  id auditDiff(from: $from, to: $to) { field fromValue toValue setAtFrom changedBy { id } } } } }`;

describe('auditSnapshot and auditDiff on CRM entities', () => {
  let server: TestServer;
  let admin: string;
  const opp = [{ __typename: 'Opportunity', id: 'opp-1' }];

  beforeAll(async () => {
    server = await startTestServer();
    admin = await adminToken('acme');
    const event = (minute: number, action: string, actor: string, changes: unknown[]) => ({
      occurredAt: at(minute),
      action,
      actor: { id: actor },
      entityType: 'Opportunity',
      entityId: 'opp-1',
      changes,
    });
    await recordEvents(server, await serviceToken('acme'), [
      event(0, 'CREATE', 'ann', [
        { field: 'name', newValue: 'Big deal' },
        { field: 'stage', newValue: 'Qualification' },
      ]),
      event(10, 'UPDATE', 'bob', [
        { field: 'stage', oldValue: 'Qualification', newValue: 'Proposal' },
        { field: 'amount', oldValue: null, newValue: 5000 },
      ]),
      event(20, 'UPDATE', 'ann', [{ field: 'address.city', oldValue: null, newValue: 'Lyon' }]),
      event(30, 'DELETE', 'bob', [{ field: 'name', oldValue: 'Big deal', newValue: null }]),
      event(40, 'RESTORE', 'ann', []),
      event(50, 'UPDATE', 'ann', [{ field: 'amount', oldValue: 5000, newValue: 7500 }]),
    ]);
    await recordEvents(server, await serviceToken('globex'), [
      {
        occurredAt: at(5),
        action: 'UPDATE',
        actor: { id: 'x' },
        entityType: 'Opportunity',
        entityId: 'opp-1',
        changes: [{ field: 'stage', newValue: 'Stolen' }],
      },
    ]);
  });
  afterAll(() => server.stop());

  const snapshot = async (minute: number) => {
    const response = await server.graphql(SNAPSHOT, { r: opp, at: at(minute) }, admin);
    expect(response.errors).toBeUndefined();
    return response.data!._entities[0].auditSnapshot;
  };

  it('gives each field’s value as of the last change at or before the instant, and only fields the log saw', async () => {
    expect(await snapshot(-1)).toEqual({ status: 'UNKNOWN', deletedAt: null, lastEventAt: null, fields: [] });
    const early = await snapshot(0);
    expect(early.status).toBe('PRESENT');
    expect(early.fields.map((f: { field: string }) => f.field)).toEqual(['name', 'stage']);
    const later = await snapshot(25);
    expect(later.fields).toEqual([
      { field: 'address.city', value: 'Lyon', setAt: at(20), setBy: { id: 'ann' } },
      { field: 'amount', value: 5000, setAt: at(10), setBy: { id: 'bob' } },
      { field: 'name', value: 'Big deal', setAt: at(0), setBy: { id: 'ann' } },
      { field: 'stage', value: 'Proposal', setAt: at(10), setBy: { id: 'bob' } },
    ]);
  });

  it('says a record was deleted, and brings it back after a RESTORE', async () => {
    const deleted = await snapshot(35);
    expect(deleted).toMatchObject({ status: 'DELETED', deletedAt: at(30), lastEventAt: at(30) });
    expect(deleted.fields.find((f: { field: string }) => f.field === 'name').value).toBe('Big deal');
    const restored = await snapshot(60);
    expect(restored).toMatchObject({ status: 'PRESENT', deletedAt: null, lastEventAt: at(50) });
    expect(restored.fields.find((f: { field: string }) => f.field === 'amount').value).toBe(7500);
  });

  it('lists the fields that differ between two instants with both values', async () => {
    const response = await server.graphql(DIFF, { r: opp, from: at(5), to: at(60) }, admin);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities[0].auditDiff).toEqual([
      { field: 'address.city', fromValue: null, toValue: 'Lyon', setAtFrom: false, changedBy: { id: 'ann' } },
      { field: 'amount', fromValue: null, toValue: 7500, setAtFrom: false, changedBy: { id: 'ann' } },
      { field: 'stage', fromValue: 'Qualification', toValue: 'Proposal', setAtFrom: true, changedBy: { id: 'bob' } },
    ]);
    const same = await server.graphql(DIFF, { r: opp, from: at(51), to: at(59) }, admin);
    expect(same.data!._entities[0].auditDiff).toEqual([]);
    const reversed = await server.graphql(DIFF, { r: opp, from: at(59), to: at(51) }, admin);
    expect(reversed.errors![0]).toMatchObject({
      message: expect.stringMatching(/^from: /),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('reads the snapshots and diffs of many records of several types with one SQL statement', async () => {
    const statements: string[] = [];
    const count = (query: { sql: string }) => statements.push(query.sql);
    const query = `query($r: [_Any!]!, $at: DateTime!) { _entities(representations: $r) {
      ... on Opportunity { auditSnapshot(at: $at) { status } auditDiff(from: "2026-10-01T12:05:00Z", to: $at) { field } }
      ... on Lead { auditSnapshot(at: $at) { status } } } }`;
    const representations = [
      ...opp,
      ...Array.from({ length: 50 }, (_, n) => ({ __typename: n % 2 ? 'Lead' : 'Opportunity', id: `r-${n}` })),
    ];
    server.app.services.reads.on('query', count);
    const response = await server.graphql(query, { r: representations, at: at(60) }, admin);
    server.app.services.reads.off('query', count);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities[0].auditSnapshot.status).toBe('PRESENT');
    expect(response.data!._entities[1].auditSnapshot.status).toBe('UNKNOWN');
    expect(statements.filter((sql) => sql.includes('audit_events'))).toHaveLength(1);
  });

  it('is scoped to the caller’s tenant, and refused to non-admins with the record still served', async () => {
    const globex = await server.graphql(SNAPSHOT, { r: opp, at: at(60) }, await adminToken('globex'));
    expect(globex.data!._entities[0].auditSnapshot.fields).toEqual([
      { field: 'stage', value: 'Stolen', setAt: at(5), setBy: { id: 'x' } },
    ]);
    for (const token of [await userToken('acme'), await serviceToken('acme')]) {
      const response = await server.graphql(DIFF, { r: opp, from: at(0), to: at(60) }, token);
      expect(response.data!._entities[0]).toEqual({ id: 'opp-1', auditDiff: null });
      expect(response.errors![0]).toMatchObject({
        path: ['_entities', 0, 'auditDiff'],
        extensions: { code: 'FORBIDDEN' },
      });
    }
  });
});
