import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSigningKeys } from '../../src/checkpoints/signing-keys';
import type { PublicJwk } from '../../src/checkpoints/signed-document';
import { masterKeysOf } from '../../src/erasure/personal-cipher';
import type { Manifest } from '../../src/retention/manifest';
import { verifyArchiveFolder } from '../../src/retention/offline-verify';
import { sealStoredEvents } from '../../src/erasure/seal-stored';
import { Sealer } from '../../src/erasure/sealing';
import { SubjectKeys } from '../../src/erasure/subject-keys';
import { personalFieldSource } from '../../src/personal-data/personal-field-source';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startExport, waitForStatus } from '../exports/export-support';
import { recordEvents } from '../support/events';
import { startTestServer, TEST_SIGNING_KEY, type TestServer } from '../support/server';
import { serviceToken, signToken } from '../support/tokens';
import { Client } from 'pg';
import {
  ALICE,
  ALICE_LOGIN,
  ALICE_UPDATES_CONTACT,
  BOB_UPDATES_ALICE,
  ALICE_IP,
  asOwner,
  BOB,
  BOB_IP,
  eventNodes,
  storedRowsText,
  THEIR_PLAINTEXTS,
} from './erasure-support';

const NODE = `id sequence actor { id email } ipAddress userAgent location { country city }
  changes { field oldValue newValue } redactedFields`;
const EVENTS = `query($search: String) { auditEvents(search: $search, first: 100) { edges { node { ${NODE} } } } }`;
const INTEGRITY = '{ auditLogIntegrity { ok eventsChecked firstBrokenSequence } }';
const ERASE = `mutation($subjectId: ID!) { eraseSubject(subjectId: $subjectId, reason: "GDPR art. 17") { eventsAffected } }`;

/** Written without the master key: stored in plaintext. */
const EVENTS_IN = [
  ALICE_LOGIN,
  ALICE_UPDATES_CONTACT,
  BOB_UPDATES_ALICE,
  // Nothing personal: left as it is.
  { actor: { id: 'svc' }, action: 'UPDATE', entityType: 'Deal', entityId: 'd1', changes: [{ field: 'stage' }] },
];

/** Alice's logins of 2003, written without the key too: retention archives them after they are sealed. */
const OLD_EVENTS = [0, 1].map((hour) => ({
  actor: ALICE,
  action: 'LOGIN',
  ipAddress: ALICE_IP,
  occurredAt: new Date(Date.UTC(2003, 6, 1, hour)).toISOString(),
}));

/** Carol's logins, last: the re-sealing checkpoint of sequences 9 and 10 orders its rows by number. */
const CAROL_LOGINS = Array.from({ length: 4 }, () => ({
  actor: { id: 'carol', email: 'carol@example.com' },
  action: 'LOGIN',
}));

/** A tenant whose Deal stage is marked personal only after a first run: a second run seals it between the first's. */
const INITECH_EVENTS = [
  { actor: ALICE, action: 'LOGIN' },
  {
    actor: { id: 'svc' },
    action: 'UPDATE',
    entityType: 'Deal',
    entityId: 'd7',
    changes: [{ field: 'stage', oldValue: 'lead', newValue: 'negotiation-7' }],
  },
  { actor: BOB, action: 'LOGIN' },
];

/** A tenant whose Dave is erased before the run: what was stored of him before must read as erased after it. */
const DAVE = { id: 'dave', email: 'dave@umbrella.example' };
const UMBRELLA_EVENTS = [
  { actor: DAVE, action: 'LOGIN', ipAddress: '203.0.113.44', userAgent: 'Mozilla/5.0 (Dave)' },
  {
    actor: { id: 'erin', email: 'erin@umbrella.example' },
    action: 'UPDATE',
    entityType: 'User',
    entityId: 'dave',
    ipAddress: '203.0.113.45',
    changes: [{ field: 'phone', oldValue: '+1 555 0101', newValue: '+1 555 0102' }],
  },
];

/**
 * A tenant whose Frank is erased and whose erasure's DataSubject event then leaves the live table (as
 * retention's archival moves it), and where a producer sent a DataSubject DELETE event of Grace itself.
 */
const FRANK = { id: 'frank', email: 'frank@hooli.example' };
const GRACE = { id: 'grace', email: 'grace@hooli.example' };
const HOOLI_EVENTS = [
  { actor: FRANK, action: 'LOGIN', ipAddress: '203.0.113.61' },
  { actor: GRACE, action: 'LOGIN', ipAddress: '203.0.113.62' },
  { actor: { id: 'svc' }, action: 'DELETE', entityType: 'DataSubject', entityId: 'grace' },
];

describe('sealing events stored before the master key (npm run personal-data:seal-stored)', () => {
  const masterKey = randomBytes(32).toString('base64');
  const signing = loadSigningKeys({ pem: TEST_SIGNING_KEY, developmentFile: '', production: false });
  let database: TestDatabase;
  let server: TestServer;
  let archive: string;
  let admin: string;
  let ids: string[];
  let oldIds: string[];
  let holdId: string;
  /** The sequences of the events written, by index in EVENTS_IN. */
  let sequences: string[];
  const sealStored = (tenantId = 'acme', chunkSize = 2) =>
    sealStoredEvents(
      database.db.knex,
      new Sealer(new SubjectKeys(masterKeysOf(masterKey)), () => personalFieldSource(database.db.knex)),
      signing,
      tenantId,
      chunkSize,
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = await signToken({ org: 'acme', role: 'ADMIN', sub: 'dpo' });
    const unsealed = await startTestServer({ database });
    try {
      const marked = await unsealed.graphql(
        `mutation { setPersonalFields(entityType: "Contact", fields: ["email"]) { fields } }`,
        {},
        admin,
      );
      expect(marked.errors).toBeUndefined();
      oldIds = await recordEvents(unsealed, await serviceToken('acme'), OLD_EVENTS);
      ids = await recordEvents(unsealed, await serviceToken('acme'), EVENTS_IN);
      await recordEvents(unsealed, await serviceToken('acme'), CAROL_LOGINS);
      await recordEvents(unsealed, await serviceToken('initech'), INITECH_EVENTS);
      await recordEvents(unsealed, await serviceToken('globex'), [EVENTS_IN[0], EVENTS_IN[0]]);
      await recordEvents(unsealed, await serviceToken('umbrella'), UMBRELLA_EVENTS);
      await recordEvents(unsealed, await serviceToken('hooli'), HOOLI_EVENTS);
      expect((await unsealed.graphql(INTEGRITY, {}, admin)).data!.auditLogIntegrity.ok).toBe(true);
    } finally {
      await unsealed.stop();
    }
    archive = await mkdtemp(path.join(tmpdir(), 'audit-seal-stored-'));
    server = await startTestServer({
      database,
      env: { PERSONAL_DATA_MASTER_KEY: masterKey, ARCHIVE_URL: archive, RETENTION_INTERVAL: '0' },
    });
    const stored = await byId();
    sequences = ids.map((id) => stored.get(id)!.sequence);
    // Two servers start, one after the other.
  }, 60_000);
  afterAll(async () => {
    await server.stop();
    await database.drop();
    await rm(archive, { recursive: true, force: true });
  });

  const rawRows = () => storedRowsText(database.url, 'acme');
  const byId = async () => new Map(eventNodes(await server.graphql(EVENTS, {}, admin)).map((node) => [node.id, node]));
  const integrity = async () => (await server.graphql(INTEGRITY, {}, admin)).data!.auditLogIntegrity;

  it('seals them, while a server runs: integrity stays ok, no plaintext is left, reads and exact search work', async () => {
    expect(await rawRows()).toContain(ALICE_IP);
    // Sealing is not erasing: Bob's update of Alice's User record is sealed under the hold, which still covers it.
    const hold = await server.graphql(
      `mutation { placeLegalHold(reason: "case 9", match: "entity:User action:UPDATE") { id } }`,
      {},
      admin,
    );
    holdId = hold.data!.placeLegalHold.id;
    const report = await sealStored();
    // Chunks of 2: the marking's CONFIG_CHANGE event (nothing personal) and Alice's first old login, her second
    // and her login, her update and Bob's, the Deal's update (nothing personal) and Carol's logins.
    expect(report).toEqual({ tenantId: 'acme', sealed: 9, checkpoints: 6 });
    expect(await integrity()).toMatchObject({ ok: true, firstBrokenSequence: null });

    const raw = await rawRows();
    for (const plaintext of [...THEIR_PLAINTEXTS, 'carol@example.com']) expect(raw).not.toContain(plaintext);
    expect(raw).toContain('"stage"');

    const events = await byId();
    expect(events.get(ids[0])).toMatchObject({
      actor: ALICE,
      ipAddress: ALICE_IP,
      userAgent: 'Mozilla/5.0 (Alice)',
      location: { country: 'FR', city: 'Lyon' },
      redactedFields: [],
    });
    expect(events.get(ids[1])!.changes).toEqual(ALICE_UPDATES_CONTACT.changes);
    expect(events.get(ids[2])).toMatchObject({ actor: BOB, ipAddress: BOB_IP, changes: BOB_UPDATES_ALICE.changes });
    const byEmail = eventNodes(await server.graphql(EVENTS, { search: 'user:alice.smith@example.com' }, admin));
    expect(byEmail.map((node) => node.id).sort()).toEqual([ids[0], ids[1], ...oldIds].sort());
    expect(eventNodes(await server.graphql(EVENTS, { search: `ip:${BOB_IP}` }, admin)).map((node) => node.id)).toEqual([
      ids[2],
    ]);
  });

  it('does nothing the second time', async () => {
    const rows = await asOwner(database.url, `SELECT * FROM personal_reseals ORDER BY tenant_id, sequence`);
    expect(await sealStored()).toEqual({ tenantId: 'acme', sealed: 0, checkpoints: 0 });
    expect(await asOwner(database.url, `SELECT * FROM personal_reseals ORDER BY tenant_id, sequence`)).toEqual(rows);
  });

  it('seals, in a later run, what a field marked personal later holds, between the events of an earlier run', async () => {
    const initech = await signToken({ org: 'initech', role: 'ADMIN', sub: 'dpo' });
    expect(await sealStored('initech', 500)).toEqual({ tenantId: 'initech', sealed: 2, checkpoints: 1 });
    const marked = await server.graphql(
      `mutation { setPersonalFields(entityType: "Deal", fields: ["stage"]) { fields } }`,
      {},
      initech,
    );
    expect(marked.errors).toBeUndefined();
    expect(await sealStored('initech', 500)).toMatchObject({ sealed: 1, checkpoints: 1 });
    expect(await storedRowsText(database.url, 'initech')).not.toContain('negotiation-7');
    expect((await server.graphql(INTEGRITY, {}, initech)).data!.auditLogIntegrity).toMatchObject({ ok: true });
  });

  it('refuses to seal an event whose chain does not verify, and changes nothing of its chunk', async () => {
    await asOwner(
      database.url,
      `UPDATE audit_events SET user_agent = 'forged' WHERE tenant_id = 'globex' AND sequence = 2`,
    );
    await expect(sealStored('globex')).rejects.toMatchObject({
      extensions: { code: 'CONFLICT' },
      message: expect.stringContaining('event 2 of tenant globex does not match its chain hash'),
    });
    const sealed = await asOwner(database.url, `SELECT sequence FROM personal_reseals WHERE tenant_id = 'globex'`);
    expect(sealed).toEqual([]);
  });

  it('lets no other change through the append-only trigger', async () => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const whileSealing = async (update: string, sequence: string) => {
        await client.query('BEGIN');
        await client.query(`SET LOCAL audit.sealing = 'on'`);
        try {
          await client.query(`UPDATE audit_events SET ${update} WHERE tenant_id = 'acme' AND sequence = $1`, [
            sequence,
          ]);
        } finally {
          await client.query('ROLLBACK');
        }
      };
      // Re-sealed events may change their personal columns only, and no other event anything.
      await expect(whileSealing(`action = 'DELETE'`, sequences[0])).rejects.toThrow(/append-only/);
      await expect(whileSealing(`user_agent = 'x'`, sequences[3])).rejects.toThrow(/append-only/);
      await expect(client.query(`DELETE FROM personal_reseals WHERE tenant_id = 'acme'`)).rejects.toThrow(
        /append-only/,
      );
    } finally {
      await client.end();
    }
  });

  it('reports a re-sealed event altered, and a re-sealing record altered', async () => {
    const [first] = await asOwner<{ user_agent: string }>(
      database.url,
      `SELECT user_agent FROM audit_events WHERE tenant_id = 'acme' AND sequence = $1`,
      [sequences[0]],
    );
    await asOwner(
      database.url,
      `UPDATE audit_events SET user_agent = NULL WHERE tenant_id = 'acme' AND sequence = $1`,
      [sequences[0]],
    );
    expect(await integrity()).toMatchObject({ ok: false, firstBrokenSequence: sequences[0] });
    await asOwner(database.url, `UPDATE audit_events SET user_agent = $1 WHERE tenant_id = 'acme' AND sequence = $2`, [
      first.user_agent,
      sequences[0],
    ]);
    expect(await integrity()).toMatchObject({ ok: true });

    const [record] = await asOwner<{ sealed_digest: string }>(
      database.url,
      `SELECT sealed_digest FROM personal_reseals WHERE tenant_id = 'acme' AND sequence = $1`,
      [sequences[2]],
    );
    // A record made to vouch for other content: its checkpoint's digest no longer matches.
    await asOwner(
      database.url,
      `UPDATE personal_reseals SET sealed_digest = repeat('0', 64) WHERE tenant_id = 'acme' AND sequence = $1`,
      [sequences[2]],
    );
    // Bob's event is the second of its checkpoint, which begins with Alice's update.
    expect(await integrity()).toMatchObject({ ok: false, firstBrokenSequence: sequences[1] });
    await asOwner(
      database.url,
      `UPDATE personal_reseals SET sealed_digest = $1 WHERE tenant_id = 'acme' AND sequence = $2`,
      [record.sealed_digest, sequences[2]],
    );
    expect(await integrity()).toMatchObject({ ok: true });
  });

  it('archives them sealed, and the archive and an export verify offline', async () => {
    const applied = await server.graphql(`mutation { applyRetention { archived } }`, {}, admin);
    expect(applied.data!.applyRetention).toEqual({ archived: 2 });
    expect(await integrity()).toMatchObject({ ok: true, firstBrokenSequence: null });
    // Exports go to the same store, where the offline verifier checks them too.
    const started = await startExport(server, admin, { format: 'JSON', includeArchived: true });
    expect(await waitForStatus(server, admin, started.id, ['SUCCEEDED', 'FAILED'])).toMatchObject({
      status: 'SUCCEEDED',
    });
    const keys = ((await (await fetch(`${server.url}/.well-known/audit-keys.json`)).json()) as { keys: PublicJwk[] })
      .keys;
    expect(await verifyArchiveFolder(archive, keys)).toMatchObject({ files: 1, events: 2, exports: 1, problems: [] });
    const manifests = (await readdir(archive, { recursive: true })).filter(
      (name) => name.startsWith('archive') && name.endsWith('.manifest.json'),
    );
    const manifest = JSON.parse(await readFile(path.join(archive, manifests[0]), 'utf8')) as Manifest;
    expect(Object.keys(manifest.resealed ?? {})).toHaveLength(2);
    // Read from the archive, opened (the archive's own search matches no sealed value: by id here).
    const archived = await server.graphql(
      `query { auditEvents(first: 100, includeArchived: true) { edges { node { ${NODE} } } } }`,
      {},
      admin,
    );
    const old = eventNodes(archived).filter((node) => oldIds.includes(node.id));
    expect(old).toMatchObject([
      { actor: ALICE, ipAddress: ALICE_IP },
      { actor: ALICE, ipAddress: ALICE_IP },
    ]);
  });

  it('erases them with the subject: read as erased, not found by email, the chain still verifies', async () => {
    const held = await server.graphql(ERASE, { subjectId: 'alice' }, admin);
    expect(held.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', legalHoldId: holdId });
    const released = await server.graphql(
      `mutation($id: ID!) { releaseLegalHold(id: $id) { id } }`,
      { id: holdId },
      admin,
    );
    expect(released.errors).toBeUndefined();
    const erased = await server.graphql(ERASE, { subjectId: 'alice' }, admin);
    expect(erased.errors).toBeUndefined();
    expect(erased.data!.eraseSubject.eventsAffected).toBe(3);
    const events = await byId();
    expect(events.get(ids[0])).toMatchObject({
      actor: { id: 'alice', email: null },
      ipAddress: null,
      userAgent: null,
      location: null,
      redactedFields: ['actorEmail', 'ipAddress', 'userAgent', 'location'],
    });
    expect(events.get(ids[2])).toMatchObject({
      actor: BOB,
      changes: [{ field: 'phone', oldValue: null, newValue: null }],
      redactedFields: ['changes.phone'],
    });
    expect(eventNodes(await server.graphql(EVENTS, { search: 'user:alice.smith@example.com' }, admin))).toEqual([]);
    expect(eventNodes(await server.graphql(EVENTS, { search: `ip:${ALICE_IP}` }, admin))).toEqual([]);
    const archived = await server.graphql(
      `query { auditEvents(first: 100, includeArchived: true) { edges { node { ${NODE} } } } }`,
      {},
      admin,
    );
    expect(eventNodes(archived).filter((node) => oldIds.includes(node.id))).toMatchObject([
      { actor: { id: 'alice', email: null }, ipAddress: null, redactedFields: ['actorEmail', 'ipAddress'] },
      { actor: { id: 'alice', email: null }, ipAddress: null, redactedFields: ['actorEmail', 'ipAddress'] },
    ]);
    expect(await integrity()).toMatchObject({ ok: true, firstBrokenSequence: null });
  });

  it('seals what was stored of a subject erased before the run as erased, and the others as readable', async () => {
    const dpo = await signToken({ org: 'umbrella', role: 'ADMIN', sub: 'dpo' });
    const erased = await server.graphql(ERASE, { subjectId: 'dave' }, dpo);
    expect(erased.data!.eraseSubject.eventsAffected).toBe(2);
    // Before the run, as the README says: the plaintext is still there and read.
    const before = eventNodes(await server.graphql(EVENTS, {}, dpo));
    expect(before.find((node) => node.actor.id === 'dave')).toMatchObject({ actor: DAVE, redactedFields: [] });

    expect(await sealStored('umbrella')).toMatchObject({ sealed: 2 });
    const events = eventNodes(await server.graphql(EVENTS, {}, dpo));
    expect(events.find((node) => node.actor.id === 'dave')).toMatchObject({
      actor: { id: 'dave', email: null },
      ipAddress: null,
      userAgent: null,
      redactedFields: ['actorEmail', 'ipAddress', 'userAgent'],
    });
    expect(events.find((node) => node.actor.id === 'erin')).toMatchObject({
      actor: { id: 'erin', email: 'erin@umbrella.example' },
      ipAddress: '203.0.113.45',
      changes: [{ field: 'phone', oldValue: null, newValue: null }],
      redactedFields: ['changes.phone'],
    });
    expect(eventNodes(await server.graphql(EVENTS, { search: `user:${DAVE.email}` }, dpo))).toEqual([]);
    expect(eventNodes(await server.graphql(EVENTS, { search: 'user:erin@umbrella.example' }, dpo))).toHaveLength(1);
    const raw = await storedRowsText(database.url, 'umbrella');
    for (const plaintext of [DAVE.email, '203.0.113.44', 'Mozilla/5.0 (Dave)', '+1 555 0101'])
      expect(raw).not.toContain(plaintext);
    expect((await server.graphql(INTEGRITY, {}, dpo)).data!.auditLogIntegrity).toMatchObject({ ok: true });
  });

  it('knows an erasure from the register, not from the events: after its DataSubject event left, and not from a producer', async () => {
    const dpo = await signToken({ org: 'hooli', role: 'ADMIN', sub: 'dpo' });
    expect((await server.graphql(ERASE, { subjectId: 'frank' }, dpo)).data!.eraseSubject.eventsAffected).toBe(1);
    await asOwner(
      database.url,
      `DELETE FROM audit_events WHERE tenant_id = 'hooli' AND entity_type = 'DataSubject' AND entity_id = 'frank'`,
    );

    expect(await sealStored('hooli')).toMatchObject({ sealed: 2 });
    const events = eventNodes(await server.graphql(EVENTS, {}, dpo));
    expect(events.find((node) => node.actor.id === 'frank')).toMatchObject({
      actor: { id: 'frank', email: null },
      ipAddress: null,
      redactedFields: ['actorEmail', 'ipAddress'],
    });
    expect(events.find((node) => node.actor.id === 'grace')).toMatchObject({
      actor: GRACE,
      ipAddress: '203.0.113.62',
      redactedFields: [],
    });
  });
});
