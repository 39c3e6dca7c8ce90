// A replica in a process of its own, so that a test can kill it (SIGKILL) in the middle of its work.
// Reads its settings from the environment, like the server; prints "listening <url>" once it serves.
import { loadAppConfig, modules, openAuditDatabase } from '../../src/modules';
import { createLogger } from '../../src/observability/logger';
import { createApp } from '../../src/server/app';

async function main(): Promise<void> {
  const db = await openAuditDatabase({ url: process.env.DATABASE_URL! });
  const app = await createApp(loadAppConfig(process.env), db, createLogger('silent'), modules);
  process.stdout.write(`listening ${await app.listen(0, '127.0.0.1')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
