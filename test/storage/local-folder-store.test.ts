import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { localFolderStore } from '../../src/storage/local-folder-store';

describe('local folder object store', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'object-store-'));
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  it('writes a stream, reports its size and hash, reads it back, lists and deletes it', async () => {
    const store = localFolderStore(folder);
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
  });

  it('leaves nothing behind when the body fails mid-way', async () => {
    const store = localFolderStore(folder);
    const failing = new Readable({
      read() {
        this.push('partial');
        this.destroy(new Error('source broke'));
      },
    });
    await expect(store.put('x/y.csv', failing)).rejects.toThrow('source broke');
    expect(await store.get('x/y.csv')).toBeUndefined();
    expect(await readdir(path.join(folder, 'x'))).toEqual([]);
  });

  it.each(['../escape', 'a/../../b', '/absolute', 'a//b', 'a/./b', ''])('refuses the key %j', async (key) => {
    await expect(localFolderStore(folder).put(key, Buffer.from('x'))).rejects.toThrow('invalid object key');
  });
});
