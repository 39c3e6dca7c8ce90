import { createTestDatabase, type TestDatabase } from '../support/database';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, userToken } from '../support/tokens';
import { liveSubscriptions } from '../support/metrics';
import { event, record, subscribeLive } from './live-support';

describe('auditEventRecorded across two instances', () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let service: string;
  let admin: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startTestServer({ database });
    b = await startTestServer({ database });
    service = await serviceToken('acme');
    admin = await adminToken('acme');
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await database.drop();
  });

  it('sends an instance the matching events of its subscriber’s tenant written through the other', async () => {
    const deletes = subscribeLive(b, admin, { filter: { actions: ['DELETE'], entityTypes: ['Contact'] } });
    const all = subscribeLive(b, admin);
    const globex = subscribeLive(a, await adminToken('globex'));
    await Promise.all([liveSubscriptions(b, 2), liveSubscriptions(a, 1)]);
    await record(a, service, [
      event('LOGIN'),
      event('DELETE', { entityType: 'Contact', entityId: 'c1' }),
      event('DELETE', { entityType: 'Deal', entityId: 'd1' }),
      event('LOGIN', { tenantId: 'globex' }),
    ]);
    expect((await deletes.waitFor(1)).map((e) => e.entityId)).toEqual(['c1']);
    expect((await all.waitFor(3)).map((e) => e.action)).toEqual(['LOGIN', 'DELETE', 'DELETE']);
    expect((await globex.waitFor(1)).map((e) => e.tenantId)).toEqual(['globex']);
    await record(b, service, [event('DELETE', { entityType: 'Contact', entityId: 'c2' })]);
    await deletes.waitFor(2);
    expect(deletes.events.map((e) => e.entityId)).toEqual(['c1', 'c2']);
    expect(globex.events).toHaveLength(1);
    expect(all.events.every((e) => e.tenantId === 'acme')).toBe(true);
    await Promise.all([deletes, all, globex].map((sub) => sub.dispose()));
  });

  it('refuses a USER with FORBIDDEN, and one without a valid token with UNAUTHENTICATED, keeping the connection', async () => {
    for (const [token, code] of [
      [await userToken('acme'), 'FORBIDDEN'],
      [null, 'UNAUTHENTICATED'],
      ['not-a-jwt', 'UNAUTHENTICATED'],
    ]) {
      const refused = subscribeLive(a, token);
      await refused.ended;
      expect(refused.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code }) })]);
      expect(refused.endedBy).toBe('complete');
      await refused.dispose();
    }
  });

  it('resumes after a disconnect with the events written while away, with no gap and no duplicate', async () => {
    const filter = { entityTypes: ['Resume'] };
    const first = subscribeLive(a, admin, { filter });
    await liveSubscriptions(a, 1);
    await record(
      a,
      service,
      [1, 2, 3].map((n) => event('UPDATE', { entityType: 'Resume', entityId: `r${n}` })),
    );
    const seen = await first.waitFor(3);
    await first.dispose();
    await record(
      b,
      service,
      [4, 5, 6].map((n) => event('UPDATE', { entityType: 'Resume', entityId: `r${n}` })),
    );
    const again = subscribeLive(b, admin, { filter, after: seen[2].sequence });
    // Written during the switch from replay to live.
    const writes = Promise.all(
      [7, 8, 9, 10].map((n) => record(a, service, [event('UPDATE', { entityType: 'Resume', entityId: `r${n}` })])),
    );
    await writes;
    const resumed = await again.waitFor(7);
    expect(resumed.map((e) => e.entityId)).toEqual(
      ['r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10'].sort(bySequenceOf(resumed)),
    );
    expect(new Set(resumed.map((e) => e.id)).size).toBe(7);
    expect(isAscending(resumed.map((e) => Number(e.sequence)))).toBe(true);
    await again.dispose();
  });

  it('delivers a burst of 2,000 events complete and in order on both instances', async () => {
    const filter = { entityTypes: ['Burst'] };
    const onA = subscribeLive(a, admin, { filter });
    const onB = subscribeLive(b, admin, { filter });
    await Promise.all([liveSubscriptions(a, 1), liveSubscriptions(b, 1)]);
    const batches = Array.from({ length: 8 }, (_, batch) =>
      record(
        batch % 2 ? a : b,
        service,
        Array.from({ length: 250 }, (_, i) => event('VIEW', { entityType: 'Burst', entityId: `${batch}-${i}` })),
      ),
    );
    const sequences = (await Promise.all(batches))
      .flat()
      .map(Number)
      .sort((x, y) => x - y);
    for (const sub of [onA, onB]) {
      const got = await sub.waitFor(2000, 20_000);
      expect(got.map((e) => Number(e.sequence))).toEqual(sequences);
    }
    await Promise.all([onA.dispose(), onB.dispose()]);
  }, 30_000); // 2,000 events written and delivered twice: about 6 s alone, more on a loaded machine
});

function isAscending(values: number[]): boolean {
  return values.every((value, index) => index === 0 || values[index - 1] < value);
}

/** The expected entity ids in the order their sequences were assigned (concurrent writes commit in any order). */
function bySequenceOf(events: Array<{ entityId: string | null; sequence: string }>) {
  const sequenceOf = new Map(events.map((e) => [e.entityId, Number(e.sequence)]));
  return (x: string, y: string) => (sequenceOf.get(x) ?? 0) - (sequenceOf.get(y) ?? 0);
}
