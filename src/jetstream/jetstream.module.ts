import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { AuditModule } from '../core/module';
import { writerOf } from '../events/record-events';
import { messageDecoder } from './decode-message';
import { ensureStreamAndConsumer, IngestConsumer, type IngestOptions } from './ingest-consumer';
import { JetStreamMetrics, type ConsumerLag } from './jetstream-metrics';
import { jetStreamSettings } from './jetstream-settings';
import { ingestSubjects } from './subjects';

const RECONNECT_WAIT_MS = 1000;
/** A /metrics scrape waits no longer than this for the consumer's lag. */
const LAG_TIMEOUT_MS = 1000;

/**
 * The durable ingest path (`NATS_URL`): events published on JetStream are stored by whichever
 * replica pulls them, acknowledged only after their commit. Off when `NATS_URL` is unset.
 */
export const jetStreamModule: AuditModule = {
  name: 'jetstream',
  settings: jetStreamSettings,
  async start({ config, services, http, logger }) {
    const settings = config.settings.of(jetStreamSettings);
    if (!settings.NATS_URL) return;
    const options: IngestOptions = {
      stream: settings.NATS_STREAM,
      durable: settings.NATS_CONSUMER,
      subjects: ingestSubjects(settings.NATS_SUBJECT_PREFIX),
      ackWaitMs: settings.NATS_ACK_WAIT_MS,
      pullAhead: settings.NATS_PULL_AHEAD,
    };
    const log = logger.child({ module: 'jetstream', stream: options.stream });
    let manager: JetStreamManager | undefined;
    const lag = async (): Promise<ConsumerLag | null> => {
      if (!manager) return null;
      const info = await manager.consumers.info(options.stream, options.durable).catch(() => null);
      return info && { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
    };
    const metrics = new JetStreamMetrics(services.metrics.registry, lag);

    // NATS may come up after the subgraph: the HTTP path serves meanwhile, and the connection keeps being tried.
    let connection: NatsConnection | undefined;
    let consumer: IngestConsumer | undefined;
    let stopped = false;
    const starting = (async () => {
      while (!stopped) {
        try {
          connection = await connect({
            servers: settings.NATS_URL!.split(',').map((server) => server.trim()),
            name: `audit-subgraph ${options.durable}`,
            maxReconnectAttempts: -1,
            reconnectTimeWait: RECONNECT_WAIT_MS,
          });
          manager = await jetstreamManager(connection, { timeout: LAG_TIMEOUT_MS });
          await ensureStreamAndConsumer(manager, options);
          if (stopped) return;
          consumer = new IngestConsumer(
            jetstream(connection),
            options,
            writerOf(services),
            messageDecoder(http.schema),
            metrics,
            log,
          );
          await consumer.start();
          log.info(
            { subjects: options.subjects.events, consumer: options.durable },
            'consuming audit events from NATS',
          );
          return;
        } catch (err) {
          log.warn({ err }, 'NATS JetStream not ready; trying again');
          await connection?.close().catch(() => undefined);
          connection = manager = undefined;
          await new Promise((resolve) => setTimeout(resolve, RECONNECT_WAIT_MS));
        }
      }
    })();
    return {
      async stop() {
        stopped = true;
        await starting;
        await consumer?.stop();
        await connection?.drain().catch(() => undefined);
      },
    };
  },
};
