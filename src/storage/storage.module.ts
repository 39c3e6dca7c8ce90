import type { AuditModule } from '../core/module';
import { flag, text, type SettingsOf } from '../core/settings';
import { localFolderStore } from './local-folder-store';
import { OBJECT_STORE, type ObjectStore } from './object-store';
import { parseS3Url, s3Store } from './s3-store';

export const storageSettings = {
  ARCHIVE_URL: text({
    default: '.data/archive',
    desc: 'Where archives and exports are written: a local folder (a path, or file:///path) or `s3://bucket/prefix`',
  }),
  ARCHIVE_S3_ENDPOINT: text({
    default: undefined,
    desc: 'For `s3://`: the endpoint of an S3-compatible server (MinIO, Ceph...) instead of AWS',
  }),
  ARCHIVE_S3_FORCE_PATH_STYLE: flag({
    default: undefined,
    desc: 'For `s3://`: path-style URLs (bucket in the path); default on with ARCHIVE_S3_ENDPOINT',
  }),
  AWS_REGION: text({ default: undefined, desc: 'For `s3://`: the bucket’s region (default `us-east-1`)' }),
  AWS_ACCESS_KEY_ID: text({
    default: undefined,
    desc: 'For `s3://`: access key (unset: the AWS SDK’s default chain: profile, instance role...)',
  }),
  AWS_SECRET_ACCESS_KEY: text({ default: undefined, desc: 'For `s3://`: secret of AWS_ACCESS_KEY_ID' }),
  AWS_SESSION_TOKEN: text({ default: undefined, desc: 'For `s3://`: session token of temporary credentials' }),
};

/** Opens the store that ARCHIVE_URL names. @throws Error for a scheme it does not serve. */
export function openObjectStore(url: string, settings: Partial<SettingsOf<typeof storageSettings>> = {}): ObjectStore {
  if (url.startsWith('file://')) return localFolderStore(new URL(url).pathname);
  if (url.startsWith('s3://')) {
    const endpoint = settings.ARCHIVE_S3_ENDPOINT;
    const accessKeyId = settings.AWS_ACCESS_KEY_ID;
    const secretAccessKey = settings.AWS_SECRET_ACCESS_KEY;
    return s3Store({
      ...parseS3Url(url),
      client: {
        region: settings.AWS_REGION ?? 'us-east-1',
        ...(endpoint ? { endpoint } : {}),
        forcePathStyle: settings.ARCHIVE_S3_FORCE_PATH_STYLE ?? Boolean(endpoint),
        ...(accessKeyId && secretAccessKey
          ? {
              credentials: {
                accessKeyId,
                secretAccessKey,
                sessionToken: settings.AWS_SESSION_TOKEN,
              },
            }
          : {}),
      },
    });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new Error(`ARCHIVE_URL: unsupported location "${url}"`);
  return localFolderStore(url);
}

/** The object store for archives and exports, shared by the modules that write them. */
export const storageModule: AuditModule = {
  name: 'storage',
  settings: storageSettings,
  async start({ config, services }) {
    const settings = config.settings.of(storageSettings);
    services.provide(OBJECT_STORE, openObjectStore(settings.ARCHIVE_URL, settings));
  },
};
