import { startTestServer, type TestServer } from '../support/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { adminToken } from '../support/tokens';
import { describeWithRedis, TEST_REDIS_URL } from '../support/redis';
import { listedEvents } from '../exports/export-support';
import { waitUntil } from '../support/wait';

type Answer = { status: number; headers: Headers };

async function list(server: TestServer, token: string): Promise<Answer> {
  const response = await fetch(`${server.url}/v1/audit-trail?limit=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return { status: response.status, headers: response.headers };
}

/** Two replicas on one database (and one Redis when given): the quota is the tenant's, wherever it calls. */
function acrossReplicas(env: Record<string, string>) {
  let database: TestDatabase;
  let replicas: TestServer[];
  beforeAll(async () => {
    database = await createTestDatabase();
    replicas = [await startTestServer({ database, env }), await startTestServer({ database, env })];
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await database.drop();
  });

  it('answers the 101st list call of a minute with 429 and Retry-After, and records it once', async () => {
    const token = await adminToken('limited');
    const answers: Answer[] = [];
    // 100 calls spread over both replicas, 10 at a time.
    for (let batch = 0; batch < 10; batch++)
      answers.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => list(replicas[i % 2], token)))));
    expect(answers.map((answer) => answer.status)).toEqual(Array(100).fill(200));
    for (const answer of answers) {
      expect(answer.headers.get('ratelimit-policy')).toBe('"list";q=100;w=60');
      expect(answer.headers.get('ratelimit')).toMatch(/^"list";r=\d+;t=\d+$/);
    }
    expect(answers.some((answer) => answer.headers.get('ratelimit')!.startsWith('"list";r=0;'))).toBe(true);

    const refused = await Promise.all([list(replicas[0], token), list(replicas[1], token), list(replicas[0], token)]);
    for (const answer of refused) {
      expect(answer.status).toBe(429);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(answer.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(answer.headers.get('ratelimit')).toMatch(/^"list";r=0;t=\d+$/);
    }
    const problem = await fetch(`${replicas[1].url}/v1/audit-trail`, { headers: { authorization: `Bearer ${token}` } });
    expect(await problem.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });

    // Another tenant, and another class of the same tenant, have quotas of their own.
    expect((await list(replicas[0], await adminToken('unlimited'))).status).toBe(200);
    const single = await fetch(`${replicas[0].url}/v1/audit-trail/00000000-0000-4000-8000-000000000000`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(single.status).toBe(404);

    // GraphQL reads are not the REST API's: the refusals are visible there, coalesced into one event.
    let events: Array<Record<string, any>> = [];
    await waitUntil(
      async () =>
        (events = await listedEvents(replicas[0], token, { filter: { actions: ['RATE_LIMITED'] } })).length > 0,
      () => 'no RATE_LIMITED event was recorded',
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      category: 'API_ACCESS',
      entityType: 'RestApi',
      entityId: 'list',
      actor: { id: 'admin@limited' },
      metadata: { endpointClass: 'list', limit: 100, windowSeconds: 60 },
    });
  });
}

describe('rate limits counted in PostgreSQL', () => acrossReplicas({}));

describeWithRedis('rate limits counted in Redis', () => acrossReplicas({ REDIS_URL: TEST_REDIS_URL }));
