import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { checkObjectKey, type ObjectStore, type StoredObject } from './object-store';

const HASH_SUFFIX = '.sha256';

export interface S3Location {
  bucket: string;
  /** Without leading or trailing `/`; may be empty. */
  prefix: string;
}

/** `s3://bucket/some/prefix` → bucket and prefix. @throws Error when it is not such a URL. */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) throw new Error(`ARCHIVE_URL: "${url}" is not s3://bucket/prefix`);
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

export interface S3StoreOptions extends S3Location {
  /** Passed to the AWS SDK (region, credentials, endpoint of an S3-compatible server, path style). */
  client: S3ClientConfig;
}

const isMissing = (error: unknown) => {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
};

/**
 * Objects in an S3 bucket (or an S3-compatible server) under a prefix. A body is streamed up as a
 * multipart upload, which S3 makes visible only once complete; its SHA-256 is kept in a small
 * object beside it, as the local folder store does, written after the body: an object without
 * it is still being written.
 */
export function s3Store({ bucket, prefix, client: config }: S3StoreOptions): ObjectStore {
  const client = new S3Client({
    // Several S3-compatible servers do not know the SDK's newer default checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...config,
  });
  const full = (key: string) => (prefix ? `${prefix}/${checkObjectKey(key)}` : checkObjectKey(key));
  const relative = (key: string) => (prefix ? key.slice(prefix.length + 1) : key);

  async function readHash(key: string): Promise<string | undefined> {
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: full(key) + HASH_SUFFIX }));
      return (await object.Body!.transformToString()).trim();
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  return {
    location: `s3://${bucket}${prefix ? `/${prefix}` : ''}`,
    async put(key, body): Promise<StoredObject> {
      const target = full(key);
      const hash = createHash('sha256');
      let bytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      source.on('error', (error) => counter.destroy(error));
      await new Upload({ client, params: { Bucket: bucket, Key: target, Body: source.pipe(counter) } }).done();
      const sha256 = hash.digest('hex');
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: target + HASH_SUFFIX, Body: sha256 }));
      return { key, bytes, sha256 };
    },
    async get(key) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: full(key) }));
        return object.Body as Readable;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async stat(key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: full(key) }));
        const sha256 = await readHash(key);
        return sha256 === undefined ? undefined : { key, bytes: Number(head.ContentLength ?? 0), sha256 };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async delete(key) {
      const target = full(key);
      await client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: [{ Key: target }, { Key: target + HASH_SUFFIX }], Quiet: true },
        }),
      );
    },
    async *list(listPrefix) {
      const start = listPrefix.replace(/\/+$/, '');
      const under = start ? `${full(start)}/` : prefix ? `${prefix}/` : '';
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: under, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) {
          const key = relative(object.Key!);
          const name = key.split('/').at(-1)!;
          if (!key.endsWith(HASH_SUFFIX) && !name.startsWith('.')) yield key;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
  };
}
