import { randomBytes } from 'node:crypto';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';
import { waitUntil } from '../support/wait';

const EVENTS = `{ auditEvents(first: 10) { edges { node { actor { id email } ipAddress redactedFields } } } }`;
const ERASE = `mutation($subjectId: ID!) { eraseSubject(subjectId: $subjectId, reason: "Art. 17 request") { eventsAffected } }`;

/**
 * Two replicas over one database with one master key: each keeps the subjects' keys it used in
 * memory, and an erasure through one must end the other's use of the erased key too (the 60 s
 * bound is only for a replica that missed the notice).
 */
describe('erasure seen by every replica', () => {
  let a: TestServer;
  let b: TestServer;
  let admin: string;

  beforeAll(async () => {
    const env = { PERSONAL_DATA_MASTER_KEY: randomBytes(32).toString('base64') };
    a = await startTestServer({ env });
    b = await startTestServer({ env, database: a.database });
    admin = await adminToken('acme');
    await recordEvents(a, await serviceToken('acme'), [
      { actor: { id: 'carol', email: 'carol@example.com' }, action: 'LOGIN', ipAddress: '198.51.100.9' },
    ]);
    // Two servers on a machine shared with other work.
  }, 60_000);
  afterAll(async () => {
    await b.stop();
    await a.stop();
  });

  const carolOn = async (server: TestServer) => {
    const response = await server.graphql(EVENTS, {}, admin);
    if (!response.data) throw new Error(JSON.stringify(response.errors));
    return response.data.auditEvents.edges
      .map((edge: { node: { actor: { id: string } } }) => edge.node)
      .filter((node: { actor: { id: string } }) => node.actor.id === 'carol');
  };

  it('reads as erased on the other replica at once, though that replica held the key in memory', async () => {
    // B opens carol's values: her key is now in B's memory, where it could otherwise stay 60 s.
    expect(await carolOn(b)).toEqual([
      { actor: { id: 'carol', email: 'carol@example.com' }, ipAddress: '198.51.100.9', redactedFields: [] },
    ]);
    const erased = await a.graphql(ERASE, { subjectId: 'carol' }, admin);
    expect(erased.data?.eraseSubject.eventsAffected).toBe(1);
    // The notice reaches B within milliseconds: 5 s is far under the key's 60 s in memory.
    let seen: unknown[] = [];
    await waitUntil(
      async () => {
        seen = await carolOn(b);
        return (seen[0] as { ipAddress: unknown }).ipAddress === null;
      },
      () => `replica B still reads ${JSON.stringify(seen)}`,
      5_000,
    );
    expect(seen).toEqual([
      { actor: { id: 'carol', email: null }, ipAddress: null, redactedFields: ['actorEmail', 'ipAddress'] },
    ]);
  });
});
