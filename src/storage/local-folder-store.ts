import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkObjectKey, type ObjectStore, type StoredObject } from './object-store';

const HASH_SUFFIX = '.sha256';

/** Objects as files under one folder; each written to a temporary name, then renamed into place. */
export function localFolderStore(root: string): ObjectStore {
  const folder = path.resolve(root);
  const fileOf = (key: string) => path.join(folder, ...checkObjectKey(key).split('/'));

  async function readHash(file: string): Promise<string | undefined> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of createReadStream(file + HASH_SUFFIX)) chunks.push(chunk as Buffer);
    } catch {
      return undefined;
    }
    return Buffer.concat(chunks).toString('utf8').trim();
  }

  async function* walk(directory: string, relative: string): AsyncGenerator<string> {
    let entries;
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const key = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) yield* walk(path.join(directory, entry.name), key);
      else if (!entry.name.endsWith(HASH_SUFFIX) && !entry.name.startsWith('.')) yield key;
    }
  }

  return {
    location: folder,
    async put(key, body): Promise<StoredObject> {
      const file = fileOf(key);
      await mkdir(path.dirname(file), { recursive: true });
      const temporary = path.join(path.dirname(file), `.${randomUUID()}.part`);
      const hash = createHash('sha256');
      let bytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      try {
        await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, counter, createWriteStream(temporary));
        const sha256 = hash.digest('hex');
        await pipeline(Readable.from([sha256]), createWriteStream(temporary + HASH_SUFFIX));
        await rename(temporary + HASH_SUFFIX, file + HASH_SUFFIX);
        await rename(temporary, file);
        return { key, bytes, sha256 };
      } finally {
        await rm(temporary, { force: true });
        await rm(temporary + HASH_SUFFIX, { force: true });
      }
    },
    async get(key) {
      const file = fileOf(key);
      try {
        await stat(file);
      } catch {
        return undefined;
      }
      return createReadStream(file);
    },
    async stat(key) {
      const file = fileOf(key);
      try {
        const info = await stat(file);
        const sha256 = await readHash(file);
        return sha256 === undefined ? undefined : { key, bytes: info.size, sha256 };
      } catch {
        return undefined;
      }
    },
    async delete(key) {
      const file = fileOf(key);
      await rm(file, { force: true });
      await rm(file + HASH_SUFFIX, { force: true });
    },
    list(prefix) {
      const start = prefix.replace(/\/+$/, '');
      return walk(start ? fileOf(start) : folder, start);
    },
  };
}
