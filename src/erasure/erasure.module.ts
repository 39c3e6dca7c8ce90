import { AuditPermission } from '../auth/permissions';
import { can } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { SEALED_VALUES } from '../core/sealed-values';
import { text } from '../core/settings';
import { PERSONAL_DATA_SEALER } from '../events/new-event';
import { PERSONAL_FIELD_SOURCE } from '../events/redaction';
import { ErasureResolver, SUBJECT_KEYS } from './erasure.resolver';
import { Migration20261202150000SubjectKeys } from './migrations/Migration20261202150000_subject_keys';
import { Migration20261202180000PersonalReseals } from './migrations/Migration20261202180000_personal_reseals';
import { Migration20261202200000SubjectErasures } from './migrations/Migration20261202200000_subject_erasures';
import { SubjectKeyedValues } from './open-rows';
import { masterKeysOf } from './personal-cipher';
import { Sealer } from './sealing';
import { PostgresFanout } from '../live/postgres-fanout';
import { ERASURE_CHANNEL, SubjectKeys } from './subject-keys';

export const erasureSettings = {
  PERSONAL_DATA_MASTER_KEY: text({
    default: undefined,
    desc: '32 random bytes, base64: wraps each data subject’s key; personal data is then stored encrypted and `eraseSubject` can erase it (unset: stored as sent, with a warning; see “Erasure” for what encryption gives up)',
  }),
};

/** Personal data sealed under a key per data subject, and erasure by destroying that key (crypto-shredding). */
export const erasureModule: AuditModule = {
  name: 'erasure',
  resolvers: [ErasureResolver],
  rules: { Mutation: { eraseSubject: can(AuditPermission.ERASE_SUBJECTS) } },
  openTypes: ['ErasureResult'],
  migrations: [
    { name: 'Migration20261202150000_subject_keys', class: Migration20261202150000SubjectKeys },
    { name: 'Migration20261202180000_personal_reseals', class: Migration20261202180000PersonalReseals },
    { name: 'Migration20261202200000_subject_erasures', class: Migration20261202200000SubjectErasures },
  ],
  settings: erasureSettings,
  async start({ config, db, services, logger }) {
    const masterKey = config.settings.of(erasureSettings).PERSONAL_DATA_MASTER_KEY;
    // Opt-in even in production: sealed values no longer take part in range, word and geographic reads (README).
    if (!masterKey)
      logger.warn('PERSONAL_DATA_MASTER_KEY is not set: personal data is stored unencrypted and cannot be erased');
    const keys = masterKey ? new SubjectKeys(masterKeysOf(masterKey)) : null;
    services.provide(SUBJECT_KEYS, keys);
    services.provide(PERSONAL_DATA_SEALER, keys && new Sealer(keys, () => services.get(PERSONAL_FIELD_SOURCE)));
    services.provide(SEALED_VALUES, new SubjectKeyedValues(keys));
    if (!keys) return;
    // Any erasure, or notices perhaps missed while the connection was down: every key in memory is forgotten.
    const erasures = new PostgresFanout(
      db.orm.config.getClientUrl(),
      logger.child({ feature: 'erasure' }),
      ERASURE_CHANNEL,
    );
    await erasures.start({ onNotice: () => keys.forgetAll(), onResync: () => keys.forgetAll() });
    return { stop: () => erasures.stop() };
  },
};
