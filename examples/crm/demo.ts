/**
 * `npm run demo`: the demo CRM subgraph (capturing its mutations with @audit-subgraph/producer), the
 * audit subgraph (on DATABASE_URL, or an embedded PostgreSQL under ./.data/) and Hive Gateway with
 * subscriptions in front of both. With NATS_URL set, the CRM publishes its events on JetStream and
 * the audit subgraph consumes them; otherwise the CRM calls recordAuditEvents over HTTP.
 */
import 'reflect-metadata';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { resolveDatabaseUrl } from '../../dev/resolve-database-url';
import { signDevelopmentToken } from '../../src/auth/sign-development-token';
import { loadAppConfig, modules, openAuditDatabase } from '../../src/modules';
import { createLogger } from '../../src/observability/logger';
import { createApp } from '../../src/server/app';
import { AuditClient, httpTransport, natsTransport, type AuditTransport } from '../../packages/producer/src';
import { startCrmSubgraph } from './crm-subgraph';
import { startHiveGateway } from './gateway';

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const HOST = process.env.DEMO_HOST ?? '127.0.0.1';
const TENANT = 'acme';

async function main(): Promise<void> {
  const config = loadAppConfig({ LOG_LEVEL: 'warn', ...process.env, PORT: String(port('DEMO_AUDIT_PORT', 4001)) });
  const secret = config.auth.jwtSecret;
  const logger = createLogger(config.logLevel);
  const database = await resolveDatabaseUrl(config, { log: (line) => logger.info(line) });
  const db = await openAuditDatabase({ url: database.url });
  await db.migrate();
  const audit = await createApp(config, db, logger, modules);
  const auditUrl = await audit.listen(config.port, HOST);

  const natsUrl = process.env.NATS_URL;
  const nats = natsUrl ? await connect({ servers: natsUrl.split(',') }) : undefined;
  const transport: AuditTransport = nats
    ? natsTransport({
        js: jetstream(nats),
        subjectPrefix: process.env.NATS_SUBJECT_PREFIX ?? 'audit',
        tenantId: TENANT,
      })
    : httpTransport({
        url: `${auditUrl}/graphql`,
        token: await signDevelopmentToken({
          sub: 'crm-service',
          org: TENANT,
          role: 'SERVICE',
          secret,
          expiresIn: '30d',
        }),
      });
  const client = new AuditClient({
    transport,
    flushIntervalMs: 200,
    redact: ['taxId'],
    onError: (err, details) => logger.warn({ err, ...details }, 'audit events not delivered yet'),
  });
  const crm = await startCrmSubgraph({ audit: client, port: port('DEMO_CRM_PORT', 4002), host: HOST });
  const gateway = await startHiveGateway({
    subgraphs: [
      { name: 'crm', url: crm.url },
      { name: 'audit', url: `${auditUrl}/graphql` },
    ],
    port: port('DEMO_GATEWAY_PORT', 4000),
    host: HOST,
  });
  const token = await signDevelopmentToken({
    sub: 'user-1',
    org: TENANT,
    role: 'ADMIN',
    email: 'jane.smith@acme.example',
    secret,
  });

  process.stdout.write(`
CRM demo is running
  gateway (HTTP, SSE, graphql-ws)  ${gateway.url}/graphql
  CRM subgraph                     ${crm.url}
  audit subgraph (explorer)        ${auditUrl}/graphql
  database                         ${database.embedded ? 'embedded PostgreSQL under ./.data/' : 'DATABASE_URL'}
  audit events travel over         ${nats ? `NATS JetStream (${natsUrl})` : 'HTTP (recordAuditEvents)'}

Header for the gateway (an ADMIN of tenant ${TENANT}, valid 8 h):
  Authorization: Bearer ${token}

Try, on the gateway:
  mutation { updateLead(id: "lead-1", input: { status: QUALIFIED, company: "Babbage & Co" }) { id status } }
  query { lead(id: "lead-1") { name status auditHistory { edges { node { action actor { id email } changes { field oldValue newValue } } } } } }
  subscription { auditEventRecorded(filter: { entityTypes: ["Lead"] }) { action entityId changes { field newValue } } }

Ctrl-C stops everything.
`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await gateway.stop();
    await crm.stop();
    await client.close();
    await nats?.drain();
    await audit.stop();
    await db.close();
    await database.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(
    `the demo could not start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
