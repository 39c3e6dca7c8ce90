/**
 * A retention run that kills its own process (SIGKILL: no clean-up runs) after recording its
 * N-th archive file: `ts-node crash-child.ts <database url> <archive folder> <tenant> <N>`.
 */
import 'reflect-metadata';
import { signingKeysOf } from '../../src/checkpoints/checkpoints.module';
import { SubjectKeyedValues } from '../../src/erasure/open-rows';
import { loadAppConfig, openAuditDatabase } from '../../src/modules';
import { Metrics } from '../../src/observability/metrics';
import { createLogger } from '../../src/observability/logger';
import { retentionMetrics } from '../../src/retention/retention-metrics';
import { runTenantRetention } from '../../src/retention/retention-run';
import { openObjectStore } from '../../src/storage/storage.module';
import { TEST_JWT_SECRET } from '../support/tokens';

async function main([url, archive, tenantId, stopAfter]: string[]): Promise<void> {
  const config = loadAppConfig({
    NODE_ENV: 'test',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    ARCHIVE_URL: archive,
    // The key of the test server that spawned it: its checkpoints must verify there.
    AUDIT_SIGNING_KEY: process.env.AUDIT_SIGNING_KEY,
  });
  const db = await openAuditDatabase({ url });
  let files = 0;
  await runTenantRetention(
    {
      knex: db.knex,
      store: openObjectStore(archive),
      keys: signingKeysOf(config),
      blindIndex: new SubjectKeyedValues(null),
      logger: createLogger('silent'),
      metrics: retentionMetrics(new Metrics({ defaultMetrics: false })),
      fileRows: 5,
      lockTimeoutMs: 1000,
      afterFile: async () => {
        files += 1;
        if (files >= Number(stopAfter)) process.kill(process.pid, 'SIGKILL');
      },
    },
    tenantId,
    new Date(),
  );
  await db.close();
}

void main(process.argv.slice(2));
