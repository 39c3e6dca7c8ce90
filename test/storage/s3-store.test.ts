import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { openObjectStore } from '../../src/storage/storage.module';
import { recordEvents } from '../support/events';
import { startS3Server, type TestS3Server } from '../support/s3-server';
import { startTestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';

describe('S3-compatible object store', () => {
  let s3: TestS3Server;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(() => s3.stop());

  it('writes a stream, reports its size and hash, reads it back, lists and deletes it', async () => {
    const store = openObjectStore(`s3://${s3.bucket}/unit`, s3.env);
    expect(store.location).toBe(`s3://${s3.bucket}/unit`);
    const body = 'line one\nline two, with ünïcode\n'.repeat(1000);
    const stored = await store.put('exports/t1/a.csv', Readable.from([body]));
    expect(stored).toEqual({
      key: 'exports/t1/a.csv',
      bytes: Buffer.byteLength(body),
      sha256: createHash('sha256').update(body).digest('hex'),
    });
    expect(await store.stat('exports/t1/a.csv')).toEqual(stored);
    expect(await text((await store.get('exports/t1/a.csv'))!)).toBe(body);
    await store.put('exports/t1/b.csv', Buffer.from('b'));
    await store.put('archive/t1/c.parquet', Buffer.from('c'));
    const keys: string[] = [];
    for await (const key of store.list('exports/')) keys.push(key);
    expect(keys).toEqual(['exports/t1/a.csv', 'exports/t1/b.csv']);
    await store.delete('exports/t1/a.csv');
    expect(await store.get('exports/t1/a.csv')).toBeUndefined();
    expect(await store.stat('exports/t1/a.csv')).toBeUndefined();
    await expect(store.put('../escape', Buffer.from('x'))).rejects.toThrow('invalid object key');
  });

  it('archives to the bucket and searches the archive from there', async () => {
    const server = await startTestServer({
      env: { ...s3.env, ARCHIVE_URL: `s3://${s3.bucket}/audit`, RETENTION_INTERVAL: '0' },
    });
    try {
      const events = Array.from({ length: 12 }, (_, i) => ({
        actor: { id: `u${i}` },
        action: 'LOGIN',
        occurredAt: new Date(Date.UTC(2004, 1, 1, i)).toISOString(),
      }));
      await recordEvents(server, await serviceToken('s3'), events);
      const admin = await adminToken('s3');
      const run = await server.graphql(`mutation { applyRetention { archived } }`, {}, admin);
      expect(run.data!.applyRetention).toEqual({ archived: 12 });
      const keys: string[] = [];
      for await (const key of openObjectStore(`s3://${s3.bucket}/audit`, s3.env).list('archive/')) keys.push(key);
      expect(keys).toEqual([
        expect.stringMatching(/^archive\/s3\/SECURITY\/2004-02\/.*\.parquet$/),
        expect.stringMatching(/manifest\.json$/),
      ]);
      const found = await server.graphql(
        `{ auditEvents(search: "user:u3", includeArchived: true) { edges { node { actor { id } occurredAt } } } }`,
        {},
        admin,
      );
      expect(found.data!.auditEvents.edges).toEqual([
        { node: { actor: { id: 'u3' }, occurredAt: '2004-02-01T03:00:00.000Z' } },
      ]);
    } finally {
      await server.stop();
    }
    // A whole server and a retention run against a server in a process of its own: slower than the default 15 s on a loaded machine.
  }, 60_000);
});
