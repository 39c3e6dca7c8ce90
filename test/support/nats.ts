import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { TEST_NATS_URL } from './nats-probe';

export { TEST_NATS_URL };

/** Whether NATS with JetStream answered when the run started: set by ./global-setup.ts. */
export const natsAvailable = process.env.TEST_NATS_AVAILABLE === '1';

/** `describe` when NATS is there, `describe.skip` otherwise: jest then reports these tests skipped, not passed. */
export const describeWithNats: jest.Describe = natsAvailable ? describe : describe.skip;

/**
 * A stream, subject prefix and consumer of the test's own on the shared NATS server, so that test
 * files (and runs under either executor) running at once never take each other's messages.
 */
export interface NatsTestBed {
  env: Record<string, string>;
  prefix: string;
  stream: string;
  consumer: string;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Publishes `body` (JSON-encoded unless a string) on `<prefix>.events.<tenant>`. */
  publish(tenant: string, body: unknown): Promise<void>;
  /** Deletes the stream and closes the connection. */
  close(): Promise<void>;
}

export async function openNatsTestBed(extraEnv: Record<string, string> = {}): Promise<NatsTestBed> {
  const tag = randomBytes(5).toString('hex');
  const prefix = `audittest_${tag}`;
  const stream = `AUDIT_TEST_${tag}`;
  const consumer = `audit-test-${tag}`;
  const nc = await connect({ servers: TEST_NATS_URL });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  return {
    env: {
      NATS_URL: TEST_NATS_URL,
      NATS_STREAM: stream,
      NATS_SUBJECT_PREFIX: prefix,
      NATS_CONSUMER: consumer,
      ...extraEnv,
    },
    prefix,
    stream,
    consumer,
    nc,
    js,
    jsm,
    async publish(tenant, body) {
      await js.publish(`${prefix}.events.${tenant}`, typeof body === 'string' ? body : JSON.stringify(body));
    },
    async close() {
      await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
    },
  };
}
