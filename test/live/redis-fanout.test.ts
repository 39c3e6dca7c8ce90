import { createConnection } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';
import { event, record, settle, subscribeLive } from './live-support';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function redisReachable(): Promise<boolean> {
  const { hostname, port } = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379), timeout: 500 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

describe('auditEventRecorded with Redis carrying the fan-out', () => {
  let database: TestDatabase | undefined;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    if (!(await redisReachable())) return;
    database = await createTestDatabase();
    const env = { REDIS_URL };
    servers.push(await startTestServer({ database, env }), await startTestServer({ database, env }));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await database?.drop();
  });

  it('delivers events written through one instance to subscribers of the other, in order', async () => {
    if (!database) return console.warn(`Redis is not reachable at ${REDIS_URL}: the Redis fan-out test is skipped`);
    const [a, b] = servers;
    expect(a.app.services.bus.transactionAnnouncers).toEqual([]); // no NOTIFY when Redis carries the notices
    const service = await serviceToken('acme');
    const sub = subscribeLive(b, await adminToken('acme'), { filter: { actions: ['DELETE'] } });
    await settle();
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
