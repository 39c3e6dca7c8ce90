import { positive } from '../core/settings';
import type { AuditModule } from '../core/module';
import { ACCESS_LOG, PRODUCER_READS } from '../events/access-note';
import { PERSONAL_FIELD_SOURCE } from '../events/redaction';
import { CoalescedProducerReads } from './producer-reads';
import { Migration20261202160000ProducerReads } from './migrations/Migration20261202160000_producer_reads';
import { AccessWindows } from './access-windows';
import { Migration20261201140000AccessWindows } from './migrations/Migration20261201140000_access_windows';

export const accessLogSettings = {
  ACCESS_LOG_WINDOW_SECONDS: positive({
    default: 900,
    desc:
      'reads of the log by one person of one thing within a window of this many seconds (aligned on the epoch) ' +
      'are recorded as one DATA_ACCESS event with their count, written when the window closes',
  }),
  ACCESS_LOG_RESEND_DAYS: positive({
    default: 7,
    desc:
      'producers’ VIEW and REPORT_RUN events of personal records are coalesced like reads of the log; their ids ' +
      'are kept this many days (by occurredAt) so that one sent again is not counted twice',
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
  migrations: [
    { name: 'Migration20261201140000_access_windows', class: Migration20261201140000AccessWindows },
    { name: 'Migration20261202160000_producer_reads', class: Migration20261202160000ProducerReads },
  ],
  async start({ config, services, logger }) {
    const settings = config.settings.of(accessLogSettings);
    const windows = new AccessWindows(
      services,
      {
        windowSeconds: settings.ACCESS_LOG_WINDOW_SECONDS,
        flushMs: settings.ACCESS_LOG_FLUSH_MS,
        resendDays: settings.ACCESS_LOG_RESEND_DAYS,
      },
      logger.child({ feature: 'access-log' }),
    );
    services.provide(ACCESS_LOG, windows);
    services.provide(
      PRODUCER_READS,
      new CoalescedProducerReads(settings.ACCESS_LOG_WINDOW_SECONDS, () => services.get(PERSONAL_FIELD_SOURCE)),
    );
    windows.start();
    return windows;
  },
};
