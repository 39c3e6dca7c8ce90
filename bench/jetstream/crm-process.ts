/**
 * The demo CRM subgraph in a process of its own, as a CRM's subgraph runs: with the audit plugin
 * publishing on JetStream when PREFIX is set, without it otherwise; without Apollo's cache control
 * when CACHE_CONTROL=off. Reports its URL over IPC and
 * stops (flushing the plugin's client) on the message 'stop'.
 */
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startCrmSubgraph } from '../../examples/crm/crm-subgraph';
import { AuditClient, natsTransport } from '../../packages/producer/src';

async function main(): Promise<void> {
  const prefix = process.env.PREFIX;
  const nc = prefix ? await connect({ servers: process.env.NATS_URL! }) : undefined;
  const client = nc && new AuditClient({ transport: natsTransport({ js: jetstream(nc), subjectPrefix: prefix }) });
  const crm = await startCrmSubgraph({ audit: client, cacheControl: process.env.CACHE_CONTROL !== 'off' });
  process.on('message', (message) => {
    if (message !== 'stop') return;
    void (async () => {
      await crm.stop();
      await client?.close();
      await nc?.drain();
      process.send!({ stats: client?.stats() ?? null }, () => process.exit(0));
    })();
  });
  process.send!({ url: crm.url });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
