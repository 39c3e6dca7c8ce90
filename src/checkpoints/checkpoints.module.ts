import path from 'node:path';
import { Router } from 'express';
import { can } from '../auth/rules';
import { AuditPermission } from '../auth/permissions';
import type { AppConfig } from '../config';
import { serviceKey } from '../core/context';
import type { AuditModule } from '../core/module';
import { positive, text } from '../core/settings';
import { makeCheckpoint, tenantsAhead } from './checkpoint';
import { CheckpointsResolver } from './checkpoints.resolver';
import { Migration20261202100000Checkpoints } from './migrations/Migration20261202100000_checkpoints';
import { loadSigningKeys, type SigningKeys } from './signing-keys';

export const checkpointSettings = {
  AUDIT_SIGNING_KEY: text({
    default: undefined,
    desc: 'Ed25519 private key (PKCS#8 PEM) that signs checkpoints and archive manifests (unset: AUDIT_SIGNING_KEY_FILE, else a development key kept under `./.data/`, refused when `NODE_ENV=production`)',
  }),
  AUDIT_SIGNING_KEY_FILE: text({ default: undefined, desc: 'A file holding AUDIT_SIGNING_KEY' }),
  AUDIT_PREVIOUS_PUBLIC_KEYS: text({
    default: undefined,
    desc: 'A JWKS (JSON) of retired signing keys, still published so that what they signed stays verifiable',
  }),
  CHECKPOINT_INTERVAL_SECONDS: positive({
    default: 3600,
    desc: 'How often the chain head of each tenant that wrote since its last checkpoint is signed',
  }),
};

/** Signs checkpoints: provided by the checkpoints module (retention signs one at every run). */
export const SIGNING_KEYS = serviceKey<SigningKeys>('checkpoints.keys');

const DEVELOPMENT_KEY_FILE = path.join('.data', 'audit-signing-key.pem');
const loaded = new WeakMap<AppConfig, SigningKeys>();

/** The keys of this configuration, loaded once (the routes need them before the module starts). */
export function signingKeysOf(config: AppConfig): SigningKeys {
  let keys = loaded.get(config);
  if (!keys) {
    const settings = config.settings.of(checkpointSettings);
    keys = loadSigningKeys({
      pem: settings.AUDIT_SIGNING_KEY,
      file: settings.AUDIT_SIGNING_KEY_FILE,
      previousPublicKeys: settings.AUDIT_PREVIOUS_PUBLIC_KEYS,
      developmentFile: DEVELOPMENT_KEY_FILE,
      production: config.production,
    });
    loaded.set(config, keys);
  }
  return keys;
}

/** Signed checkpoints of each tenant's chain head, and the public keys that verify them. */
export const checkpointsModule: AuditModule = {
  name: 'checkpoints',
  settings: checkpointSettings,
  resolvers: [CheckpointsResolver],
  rules: { Query: { auditCheckpoints: can(AuditPermission.READ_EVENTS) } },
  openTypes: ['AuditCheckpoint'],
  migrations: [{ name: 'Migration20261202100000_checkpoints', class: Migration20261202100000Checkpoints }],
  routes({ config }) {
    const keys = signingKeysOf(config);
    return Router().get('/.well-known/audit-keys.json', (_req, res) => {
      res.set('cache-control', 'public, max-age=300').json({ keys: keys.publicKeys });
    });
  },
  async start({ config, db, services, logger }) {
    const keys = signingKeysOf(config);
    services.provide(SIGNING_KEYS, keys);
    const everyMs = config.settings.of(checkpointSettings).CHECKPOINT_INTERVAL_SECONDS * 1000;
    const timer = setInterval(() => {
      void (async () => {
        for (const tenantId of await tenantsAhead(db.knex)) await makeCheckpoint(db.knex, keys, tenantId);
      })().catch((err) => logger.error({ err }, 'could not sign checkpoints'));
    }, everyMs).unref();
    return { stop: async () => clearInterval(timer) };
  },
};
