import { subscribeOverWs } from '../live/live-support';
import { recordEvents } from '../support/events';
import { startSealedServer } from '../support/sealed-server';
import type { TestServer } from '../support/server';
import { serviceToken } from '../support/tokens';
import { Client } from 'pg';
import {
  ALICE,
  ALICE_LOGIN,
  ALICE_UPDATES_CONTACT,
  BOB_UPDATES_ALICE,
  ALICE_IP,
  BOB,
  BOB_IP,
  eventNodes,
  storedRowsText,
  THEIR_PLAINTEXTS,
  type EventNode,
} from './erasure-support';

const NODE = `id action entityType entityId actor { id email } ipAddress userAgent location { country city }
  changes { field oldValue newValue } redactedFields`;
const EVENTS = `query($search: String, $filter: AuditEventFilter) {
  auditEvents(search: $search, filter: $filter, first: 100) { edges { node { ${NODE} } } } }`;
const ERASE = `mutation($subjectId: ID!, $reason: String!) {
  eraseSubject(subjectId: $subjectId, reason: $reason) { subjectId eventsAffected erasedAt } }`;
const INTEGRITY = '{ auditLogIntegrity { ok eventsChecked } }';

const EVENTS_IN = [ALICE_LOGIN, { ...ALICE_UPDATES_CONTACT, ipAddress: ALICE_IP }, BOB_UPDATES_ALICE];

describe('erasure by crypto-shredding', () => {
  let server: TestServer;
  let admin: string;
  let auditor: string;
  let ids: string[];

  beforeAll(async () => {
    ({ server, admin, auditor } = await startSealedServer());
    ids = await recordEvents(server, await serviceToken('acme'), EVENTS_IN);
  });
  afterAll(() => server.stop());

  const byId = async (): Promise<Map<string, EventNode>> =>
    new Map(eventNodes(await server.graphql(EVENTS, {}, admin)).map((node) => [node.id, node]));

  it('stores the personal values encrypted: the raw rows hold no email or IP address', async () => {
    const raw = await storedRowsText(server.database.url, 'acme');
    for (const plaintext of THEIR_PLAINTEXTS) expect(raw).not.toContain(plaintext);
    expect(raw).toContain('"stage"');
  });

  it('reads them back whole, and finds them by exact email and address', async () => {
    const events = await byId();
    expect(events.get(ids[0])).toMatchObject({
      actor: ALICE,
      ipAddress: ALICE_IP,
      userAgent: 'Mozilla/5.0 (Alice)',
      location: { country: 'FR', city: 'Lyon' },
      redactedFields: [],
    });
    expect(events.get(ids[1])!.changes).toEqual(ALICE_UPDATES_CONTACT.changes);
    expect(events.get(ids[2])).toMatchObject({ actor: BOB, changes: BOB_UPDATES_ALICE.changes });

    const byEmail = eventNodes(await server.graphql(EVENTS, { search: 'user:alice.smith@example.com' }, admin));
    expect(byEmail.map((node) => node.id).sort()).toEqual([ids[0], ids[1]].sort());
    const byLocalPart = eventNodes(await server.graphql(EVENTS, { search: 'user:alice.smith' }, admin));
    expect(byLocalPart).toHaveLength(2);
    expect(eventNodes(await server.graphql(EVENTS, { search: `ip:${ALICE_IP}` }, admin))).toHaveLength(2);
    expect(eventNodes(await server.graphql(EVENTS, { filter: { ip: BOB_IP } }, admin)).map((node) => node.id)).toEqual([
      ids[2],
    ]);
    // Masking still applies on top of decryption.
    const masked = eventNodes(await server.graphql(EVENTS, { search: 'entity:User' }, auditor))[0];
    expect(masked).toMatchObject({ actor: { id: 'bob', email: null }, ipAddress: null });
  });

  it('creates new subjects’ keys with their batch: a refused batch leaves no key behind, and the next one has its own', async () => {
    const carol = { id: 'carol', email: 'carol@example.com' };
    const id = '7d1f3c1e-0000-4000-8000-00000000c001';
    const refused = await server.graphql(
      `mutation($events: [AuditEventInput!]!) { recordAuditEvents(events: $events) { recorded } }`,
      {
        events: [
          { id, actor: carol, action: 'LOGIN', ipAddress: '198.51.100.9' },
          { id, actor: carol, action: 'LOGOUT', ipAddress: '198.51.100.9' },
        ],
      },
      await serviceToken('acme'),
    );
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const carolsKeys = async () => {
      const client = new Client({ connectionString: server.database.url });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT key_id FROM subject_keys WHERE tenant_id = 'acme' AND subject_id = 'carol'`,
        );
        return rows.map((row: { key_id: string }) => row.key_id);
      } finally {
        await client.end();
      }
    };
    expect(await carolsKeys()).toEqual([]);
    // Sealed under a key that is stored: the key of the refused batch was not kept in memory either.
    const [stored] = await recordEvents(server, await serviceToken('acme'), [
      { actor: carol, action: 'LOGIN', ipAddress: '198.51.100.9' },
    ]);
    const [keyId] = await carolsKeys();
    expect(await storedRowsText(server.database.url, 'acme')).toContain(`pd1:${keyId}:`);
    expect((await byId()).get(stored)).toMatchObject({ actor: carol, ipAddress: '198.51.100.9', redactedFields: [] });
  });

  it('needs ERASE_SUBJECTS', async () => {
    const refused = await server.graphql(ERASE, { subjectId: 'alice', reason: 'GDPR art. 17' }, auditor);
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('is refused with CONFLICT naming the legal hold that covers the subject, until it is released', async () => {
    const hold = await server.graphql(
      `mutation { placeLegalHold(reason: "case 7", match: "user:alice.smith@example.com") { id } }`,
      {},
      admin,
    );
    const holdId = hold.data!.placeLegalHold.id;
    const refused = await server.graphql(ERASE, { subjectId: 'alice', reason: 'GDPR art. 17' }, admin);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', legalHoldId: holdId });
    expect(refused.errors?.[0].message).toContain(holdId);
    expect((await byId()).get(ids[0])!.actor.email).toBe(ALICE.email);
    const released = await server.graphql(
      `mutation($id: ID!) { releaseLegalHold(id: $id) { id } }`,
      { id: holdId },
      admin,
    );
    expect(released.errors).toBeUndefined();
  });

  it('erases: the events stay, the subject’s values read as erased, the chain verifies before and after', async () => {
    const before = await server.graphql(INTEGRITY, {}, admin);
    expect(before.data!.auditLogIntegrity.ok).toBe(true);

    const erased = await server.graphql(ERASE, { subjectId: 'alice', reason: 'GDPR art. 17' }, admin);
    expect(erased.errors).toBeUndefined();
    expect(erased.data!.eraseSubject).toMatchObject({ subjectId: 'alice', eventsAffected: 3 });

    const events = await byId();
    expect(events.get(ids[0])).toMatchObject({
      action: 'LOGIN',
      actor: { id: 'alice', email: null },
      ipAddress: null,
      userAgent: null,
      location: null,
      redactedFields: ['actorEmail', 'ipAddress', 'userAgent', 'location'],
    });
    // The Contact's email is the contact's personal data, not Alice's: it stays.
    expect(events.get(ids[1])).toMatchObject({ actor: { email: null }, changes: ALICE_UPDATES_CONTACT.changes });
    // The User record is Alice: its values are erased; Bob, who changed it, keeps his.
    expect(events.get(ids[2])).toMatchObject({
      actor: BOB,
      ipAddress: BOB_IP,
      changes: [{ field: 'phone', oldValue: null, newValue: null }],
      redactedFields: ['changes.phone'],
    });

    const after = await server.graphql(INTEGRITY, {}, admin);
    expect(after.data!.auditLogIntegrity.ok).toBe(true);
    expect(after.data!.auditLogIntegrity.eventsChecked).toBeGreaterThan(before.data!.auditLogIntegrity.eventsChecked);
  });

  it('reads as erased on every path: one event, entity history and the live feed’s replay', async () => {
    const single = await server.graphql(`query($id: ID!) { auditEvent(id: $id) { ${NODE} } }`, { id: ids[0] }, admin);
    expect(single.data!.auditEvent).toMatchObject({ actor: { email: null }, ipAddress: null, userAgent: null });
    const history = await server.graphql(
      `{ _entities(representations: [{ __typename: "User", id: "alice" }]) { ... on User { auditHistory { edges { node { ${NODE} } } } } } }`,
      {},
      admin,
    );
    expect(history.data!._entities[0].auditHistory.edges[0].node).toMatchObject({
      changes: [{ field: 'phone', oldValue: null, newValue: null }],
      redactedFields: ['changes.phone'],
    });
    const live = subscribeOverWs<EventNode>(
      server,
      admin,
      `subscription($after: String) { auditEventRecorded(afterSequence: $after) { ${NODE} } }`,
      { after: '0' },
    );
    try {
      const replayed = await live.waitFor(4, 30_000);
      expect(replayed.find((node) => node.id === ids[0])).toMatchObject({
        actor: { id: 'alice', email: null },
        ipAddress: null,
        redactedFields: ['actorEmail', 'ipAddress', 'userAgent', 'location'],
      });
    } finally {
      await live.dispose();
    }
  });

  it('finds nothing by the erased email or address, and keeps no key of the subject', async () => {
    expect(eventNodes(await server.graphql(EVENTS, { search: 'user:alice.smith@example.com' }, admin))).toEqual([]);
    expect(eventNodes(await server.graphql(EVENTS, { search: `ip:${ALICE_IP}` }, admin))).toEqual([]);
    expect(eventNodes(await server.graphql(EVENTS, { search: 'user:bob@example.com' }, admin))).toHaveLength(1);
    const client = new Client({ connectionString: server.database.url });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT subject_id FROM subject_keys WHERE tenant_id = 'acme' ORDER BY 1`);
      expect(rows.map((row: { subject_id: string }) => row.subject_id)).not.toContain('alice');
    } finally {
      await client.end();
    }
  });

  it('records the erasure: a deletion record with reason ERASURE and a DELETE event of the DataSubject', async () => {
    const log = await server.graphql(`{ deletionLog { edges { node { reason eventCount } } } }`, {}, admin);
    expect(log.data!.deletionLog.edges[0].node).toEqual({ reason: 'ERASURE', eventCount: 3 });
    const recorded = eventNodes(await server.graphql(EVENTS, { search: 'entity:DataSubject' }, admin));
    expect(recorded).toMatchObject([{ action: 'DELETE', entityId: 'alice', actor: { id: 'dpo' } }]);
  });

  it('gives the subject a new key for what is written after the erasure', async () => {
    const [id] = await recordEvents(server, await serviceToken('acme'), [
      { actor: ALICE, action: 'LOGIN', ipAddress: ALICE_IP },
    ]);
    expect((await byId()).get(id)).toMatchObject({ actor: ALICE, ipAddress: ALICE_IP, redactedFields: [] });
  });
});
