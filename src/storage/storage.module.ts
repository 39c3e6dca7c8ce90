import type { AuditModule } from '../core/module';
import { text } from '../core/settings';
import { localFolderStore } from './local-folder-store';
import { OBJECT_STORE, type ObjectStore } from './object-store';

export const storageSettings = {
  ARCHIVE_URL: text({
    default: '.data/archive',
    desc: 'Where archives and exports are written: a local folder (a path, or file:///path)',
  }),
};

/** Opens the store that ARCHIVE_URL names. @throws Error for a scheme it does not serve. */
export function openObjectStore(url: string): ObjectStore {
  if (url.startsWith('file://')) return localFolderStore(new URL(url).pathname);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new Error(`ARCHIVE_URL: unsupported location "${url}"`);
  return localFolderStore(url);
}

/** The object store for archives and exports, shared by the modules that write them. */
export const storageModule: AuditModule = {
  name: 'storage',
  settings: storageSettings,
  async start({ config, services }) {
    services.provide(OBJECT_STORE, openObjectStore(config.settings.of(storageSettings).ARCHIVE_URL));
  },
};
