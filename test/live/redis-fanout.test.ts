import { createTestDatabase, type TestDatabase } from '../support/database';
import { liveSubscriptions } from '../support/metrics';
import { describeWithRedis, TEST_REDIS_URL } from '../support/redis';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';
import { event, record, subscribeLive } from './live-support';

describeWithRedis('auditEventRecorded with Redis carrying the fan-out', () => {
  let database: TestDatabase;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { REDIS_URL: TEST_REDIS_URL };
    servers.push(await startTestServer({ database, env }), await startTestServer({ database, env }));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await database?.drop();
  });

  it('delivers events written through one instance to subscribers of the other, in order', async () => {
    const [a, b] = servers;
    expect(a.app.services.bus.transactionAnnouncers).toEqual([]); // no NOTIFY when Redis carries the notices
    const service = await serviceToken('acme');
    const sub = subscribeLive(b, await adminToken('acme'), { filter: { actions: ['DELETE'] } });
    await liveSubscriptions(b, 1);
    const written = await Promise.all(
      Array.from({ length: 4 }, (_, batch) =>
        record(
          a,
          service,
          Array.from({ length: 100 }, (_, i) => event(i % 2 ? 'DELETE' : 'VIEW', { entityId: `${batch}-${i}` })),
        ),
      ),
    );
    const got = await sub.waitFor(200);
    expect(got.every((e) => e.action === 'DELETE')).toBe(true);
    const sequences = got.map((e) => Number(e.sequence));
    expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
    expect(written.flat()).toHaveLength(400);
    await sub.dispose();
  });
});
