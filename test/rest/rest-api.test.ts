import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, userToken } from '../support/tokens';
import { recordEvents } from '../support/events';
import { listedEvents, waitForStatus } from '../exports/export-support';

let server: TestServer;
let admin: string;
let ids: string[];

async function rest(path: string, token: string | null, init: RequestInit = {}) {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) },
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminToken();
  ids = await recordEvents(
    server,
    await serviceToken(),
    Array.from({ length: 12 }, (_, index) => ({
      occurredAt: new Date(Date.UTC(2026, 4, 1 + index, 9)).toISOString(),
      actor: { id: index % 2 ? 'jane' : 'joe', email: index % 2 ? 'jane.smith@example.com' : 'joe@example.com' },
      action: index % 3 ? 'UPDATE' : 'CREATE',
      entityType: index % 4 ? 'Lead' : 'Account',
      entityId: `record-${index % 3}`,
      changes: [{ field: 'stage', oldValue: 'a', newValue: `b, "${index}"` }],
    })),
  );
  await recordEvents(server, await serviceToken('other'), [
    { actor: { id: 'x' }, action: 'CREATE', entityType: 'Lead', entityId: 'record-0' },
  ]);
});
afterAll(() => server.stop());

describe('GET /v1/audit-trail', () => {
  it('lists what auditEvents lists for the same criteria, paged with Link headers', async () => {
    const query =
      'startDate=2026-05-02&endDate=2026-05-11T23:59:59Z&userId=jane&action=UPDATE&entityType=Lead&search=-id:record-2';
    const expected = await listedEvents(server, admin, {
      filter: {
        from: '2026-05-02T00:00:00Z',
        to: '2026-05-11T23:59:59Z',
        actorIds: ['jane'],
        actions: ['UPDATE'],
        entityTypes: ['Lead'],
      },
      search: '-id:record-2',
    });
    expect(expected.length).toBeGreaterThan(1);
    const all = await rest(`/v1/audit-trail?${query}`, admin);
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ data: expected, nextCursor: null });
    expect(all.headers.get('link')).toBeNull();

    const first = await rest(`/v1/audit-trail?${query}&limit=1`, admin);
    expect(first.body.data).toEqual(expected.slice(0, 1));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const link = /^<([^>]+)>; rel="next"$/.exec(first.headers.get('link')!)![1];
    expect(new URL(link).searchParams.get('cursor')).toBe(first.body.nextCursor);
    const second = await fetch(link, { headers: { authorization: `Bearer ${admin}` } });
    expect(((await second.json()) as { data: unknown[] }).data).toEqual(expected.slice(1, 2));
  });

  it('scopes to the caller’s tenant', async () => {
    const other = await rest('/v1/audit-trail', await adminToken('other'));
    expect(other.body.data).toHaveLength(1);
    expect(other.body.data[0].tenantId).toBe('other');
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=bm9wZQ', 'cursor'],
    ['startDate=yesterday', 'startDate'],
    ['startDate=2026-05-03&endDate=2026-05-01', 'startDate'],
    ['action=SMILE', 'action'],
    ['search=date%3A%3Enope', 'search'],
  ])('refuses %s as a problem naming %s', async (query, argument) => {
    const answer = await rest(`/v1/audit-trail?${query}`, admin);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body).toMatchObject({ status: 400, code: 'BAD_USER_INPUT', argument });
    expect(answer.body.detail).toContain(argument);
  });
});

describe('who may call', () => {
  it('refuses USER tokens, and calls without a token', async () => {
    const user = await rest('/v1/audit-trail', await userToken());
    expect(user.status).toBe(403);
    expect(user.body).toMatchObject({ code: 'FORBIDDEN' });
    const service = await rest(`/v1/audit-trail/${ids[0]}`, await serviceToken());
    expect(service.status).toBe(403);
    const anonymous = await rest('/v1/audit-trail/stats', null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(anonymous.headers.get('ratelimit-policy')).toBe('"list";q=100;w=60');
  });
});

describe('GET /v1/audit-trail/:id', () => {
  it('answers one event, 404 for another tenant’s, 400 for a malformed id', async () => {
    const one = await rest(`/v1/audit-trail/${ids[3]}`, admin);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: ids[3], tenantId: 'acme', action: 'CREATE' });
    expect(one.headers.get('ratelimit-policy')).toBe('"single";q=1000;w=60');
    expect(one.headers.get('ratelimit')).toMatch(/^"single";r=\d+;t=\d+$/);
    const hidden = await rest(`/v1/audit-trail/${ids[3]}`, await adminToken('other'));
    expect(hidden.status).toBe(404);
    expect(hidden.body).toMatchObject({ code: 'NOT_FOUND', argument: 'id' });
    const malformed = await rest('/v1/audit-trail/not-a-uuid', admin);
    expect(malformed.body).toMatchObject({ status: 400, code: 'BAD_USER_INPUT', argument: 'id' });
  });
});

describe('GET /v1/audit-trail/stats', () => {
  it('groups like auditStats', async () => {
    const stats = await rest('/v1/audit-trail/stats?groupBy=action,actor&startDate=2026-05-01', admin);
    expect(stats.status).toBe(200);
    expect(stats.body.total).toBe(12);
    expect(stats.body.groups).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'CREATE', actorId: 'joe', count: 2 })]),
    );
    const daily = await rest('/v1/audit-trail/stats?interval=day', admin);
    expect(daily.body.groups).toHaveLength(12);
    const bad = await rest('/v1/audit-trail/stats?groupBy=mood', admin);
    expect(bad.body).toMatchObject({ status: 400, argument: 'groupBy' });
    const badInterval = await rest('/v1/audit-trail/stats?interval=fortnight', admin);
    expect(badInterval.body).toMatchObject({ status: 400, argument: 'interval' });
  });
});

describe('GET /v1/audit-trail/entity/:type/:id', () => {
  it('gives the record’s history newest first, paged', async () => {
    const expected = await listedEvents(server, admin, { filter: { entityTypes: ['Lead'], entityIds: ['record-1'] } });
    const history = await rest('/v1/audit-trail/entity/Lead/record-1?limit=2', admin);
    expect(history.body.data).toEqual(expected.slice(0, 2));
    expect(history.headers.get('link')).toContain('rel="next"');
    const rest2 = await rest(`/v1/audit-trail/entity/Lead/record-1?cursor=${history.body.nextCursor}`, admin);
    expect(rest2.body.data).toEqual(expected.slice(2));
  });
});

describe('exports over REST', () => {
  it('starts one and reads it', async () => {
    const started = await rest('/v1/audit-trail/exports', admin, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ format: 'NDJSON', filter: { actions: ['CREATE'] } }),
    });
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe(`/v1/audit-trail/exports/${started.body.id}`);
    expect(started.headers.get('ratelimit-policy')).toBe('"export";q=10;w=3600');
    await waitForStatus(server, admin, started.body.id, ['SUCCEEDED']);
    const read = await rest(`/v1/audit-trail/exports/${started.body.id}`, admin);
    expect(read.body).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 4 });
    const file = await fetch(read.body.downloadUrl);
    expect((await file.text()).trim().split('\n')).toHaveLength(4);
  });

  it('names the bad field of the body', async () => {
    const bad = await rest('/v1/audit-trail/exports', admin, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ format: 'CSV', filter: { ip: '300.1.1.1' } }),
    });
    expect(bad.body).toMatchObject({ status: 400, code: 'BAD_USER_INPUT', argument: 'filter.ip' });
    const format = await rest('/v1/audit-trail/exports', admin, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ format: 'XML' }),
    });
    expect(format.body).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    const notJson = await rest('/v1/audit-trail/exports', admin, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"format":',
    });
    expect(notJson.body).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    const missing = await rest('/v1/audit-trail/exports/00000000-0000-4000-8000-000000000000', admin);
    expect(missing.body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });
});

describe('GET /v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document describing every endpoint', async () => {
    const document = await rest('/v1/openapi.json', null);
    expect(document.body.openapi).toBe('3.1.0');
    // The validator ships ES modules only (import.meta): it runs as its own CLI, schema and $refs checked.
    const folder = await mkdtemp(path.join(tmpdir(), 'openapi-'));
    try {
      const file = path.join(folder, 'openapi.json');
      await writeFile(file, JSON.stringify(document.body));
      const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js', {
        paths: [process.cwd()],
      });
      const { stdout } = await promisify(execFile)(process.execPath, [cli, file]);
      expect(JSON.parse(stdout)).toEqual({ valid: true });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
    expect(Object.keys(document.body.paths).sort()).toEqual([
      '/v1/audit-trail',
      '/v1/audit-trail/entity/{type}/{id}',
      '/v1/audit-trail/exports',
      '/v1/audit-trail/exports/{id}',
      '/v1/audit-trail/stats',
      '/v1/audit-trail/{id}',
      '/v1/openapi.json',
    ]);
  });
});
