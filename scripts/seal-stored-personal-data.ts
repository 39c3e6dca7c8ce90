/**
 * Seals the personal values of events stored in plaintext (before PERSONAL_DATA_MASTER_KEY was set, or by
 * a writer without it) so that `eraseSubject` erases them too; their chain hashes stay, and each chunk
 * sealed is recorded with a signed checkpoint that `auditLogIntegrity` verifies (README, "Erasure").
 *   npm run personal-data:seal-stored [-- --tenant <tenant id>]
 * The database and keys are the service's: DATABASE_URL (else the embedded PostgreSQL of `npm start`),
 * PERSONAL_DATA_MASTER_KEY (required) and the signing key. Safe to run while servers run, to stop and
 * to run again: a run takes up where the last one stopped.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { signingKeysOf } from '../src/checkpoints/checkpoints.module';
import { erasureSettings } from '../src/erasure/erasure.module';
import { masterKeysOf } from '../src/erasure/personal-cipher';
import { sealStoredEvents } from '../src/erasure/seal-stored';
import { Sealer } from '../src/erasure/sealing';
import { SubjectKeys } from '../src/erasure/subject-keys';
import { loadAppConfig, openAuditDatabase } from '../src/modules';
import { personalFieldSource } from '../src/personal-data/personal-field-source';
import { tenantsWithEvents } from '../src/retention/policies';
import { resolveDatabaseUrl } from '../dev/resolve-database-url';

const usage = 'usage: npm run personal-data:seal-stored [-- --tenant <tenant id>]   (default: every tenant)';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { tenant: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) return void process.stdout.write(`${usage}\n`);
  const config = loadAppConfig();
  const masterKey = config.settings.of(erasureSettings).PERSONAL_DATA_MASTER_KEY;
  if (!masterKey) throw new Error('refused: PERSONAL_DATA_MASTER_KEY is not set, there is no key to seal under');
  const keys = new SubjectKeys(masterKeysOf(masterKey));
  const signing = signingKeysOf(config);
  const database = await resolveDatabaseUrl(config, { log: (line) => process.stderr.write(`${line}\n`) });
  try {
    const db = await openAuditDatabase({ url: database.url });
    try {
      await db.migrate();
      const sealer = new Sealer(keys, () => personalFieldSource(db.knex));
      const tenants = values.tenant ? [values.tenant] : await tenantsWithEvents(db.knex);
      for (const tenantId of tenants) {
        const report = await sealStoredEvents(db.knex, sealer, signing, tenantId);
        process.stdout.write(
          `${tenantId}: ${report.sealed} events sealed, ${report.checkpoints} re-sealing checkpoints signed\n`,
        );
      }
    } finally {
      await db.close();
    }
  } finally {
    await database.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `npm run personal-data:seal-stored failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) process.stderr.write(`${usage}\n`);
  process.exit(1);
});
