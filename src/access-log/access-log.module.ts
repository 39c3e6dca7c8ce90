import { positive } from '../core/settings';
import type { AuditModule } from '../core/module';
import { ACCESS_LOG } from '../events/access-note';
import { AccessWindows } from './access-windows';
import { Migration20261201140000AccessWindows } from './migrations/Migration20261201140000_access_windows';

export const accessLogSettings = {
  ACCESS_LOG_WINDOW_SECONDS: positive({
    default: 900,
    desc:
      'reads of the log by one person of one thing within a window of this many seconds (aligned on the epoch) ' +
      'are recorded as one DATA_ACCESS event with their count, written when the window closes',
  }),
  ACCESS_LOG_FLUSH_MS: positive({
    default: 1000,
    desc: 'how often each replica adds the reads it counted to the shared windows, and closes ended windows',
  }),
};

/** "Audit the auditors": every read of the log by a person, recorded in the tenant's own log, coalesced. */
export const accessLogModule: AuditModule = {
  name: 'access-log',
  settings: accessLogSettings,
  migrations: [{ name: 'Migration20261201140000_access_windows', class: Migration20261201140000AccessWindows }],
  async start({ config, services, logger }) {
    const settings = config.settings.of(accessLogSettings);
    const windows = new AccessWindows(
      services,
      { windowSeconds: settings.ACCESS_LOG_WINDOW_SECONDS, flushMs: settings.ACCESS_LOG_FLUSH_MS },
      logger.child({ feature: 'access-log' }),
    );
    services.provide(ACCESS_LOG, windows);
    windows.start();
    return windows;
  },
};
