import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { StreamRecord } from '../formats/format-event';
import { DeliveryError, expectSuccess, postToSink, requireSecret, takeBatch, type Sink, type SinkSetup } from './sink';

const MAX_RECORDS = 1000;
/** HEC's `max_content_length` defaults to 1 MB on older Splunk versions: the safe size for any of them. */
const MAX_BYTES = 1024 * 1024;
const EVENT_PATH = '/services/collector/event';
const ACK_PATH = '/services/collector/ack';
const ACK_POLL_MS = 250;

/** The endpoint is the HEC base URL (`https://splunk:8088`) or its event endpoint. */
export function hecUrl(endpoint: string, path: string): string {
  const url = new URL(endpoint);
  url.pathname = url.pathname.replace(/\/services\/collector(\/event)?\/?$/, '').replace(/\/$/, '') + path;
  return url.toString();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Splunk HTTP Event Collector: batched event objects, one after the other, `Authorization: Splunk <token>`. With
 * indexer acknowledgement on (`options.splunkAck`), a batch counts as delivered only once `/services/collector/ack`
 * says its `ackId` was indexed, on the channel this sink names (`X-Splunk-Request-Channel`).
 */
export function splunkHecSink(setup: SinkSetup): Sink {
  const channel = randomUUID();
  const host = hostname();
  const { options } = setup.stream;
  // The envelope's fixed fields, between the event's time and the event itself (already serialised).
  const fields = JSON.stringify({
    host,
    source: 'audit-subgraph',
    sourcetype: options.sourceType || '_json',
    ...(options.index ? { index: options.index } : {}),
  }).slice(1, -1);
  const envelope = (record: StreamRecord) =>
    `{"time":${JSON.stringify(record.occurredAt.getTime() / 1000)},${fields},"event":${record.json}}`;

  async function waitForAck(token: string, ackId: number): Promise<void> {
    const deadline = Date.now() + setup.timeoutMs;
    while (Date.now() < deadline) {
      const answer = await postToSink(setup, {
        url: `${hecUrl(setup.stream.endpoint, ACK_PATH)}?channel=${channel}`,
        headers: {
          authorization: `Splunk ${token}`,
          'content-type': 'application/json',
          'x-splunk-request-channel': channel,
        },
        body: JSON.stringify({ acks: [ackId] }),
      });
      expectSuccess(answer);
      const acks = (JSON.parse(answer.body || '{}') as { acks?: Record<string, boolean> }).acks ?? {};
      if (acks[String(ackId)] === true) return;
      await sleep(ACK_POLL_MS);
    }
    throw new DeliveryError(`Splunk did not acknowledge ackId ${ackId} in time`);
  }

  return {
    maxRecords: MAX_RECORDS,
    async deliver(records) {
      const token = requireSecret(setup);
      const events = takeBatch(records, envelope, { maxRecords: MAX_RECORDS, maxBytes: MAX_BYTES });
      const answer = await postToSink(setup, {
        url: hecUrl(setup.stream.endpoint, EVENT_PATH),
        headers: {
          authorization: `Splunk ${token}`,
          'content-type': 'application/json',
          ...(options.splunkAck ? { 'x-splunk-request-channel': channel } : {}),
        },
        body: events.join('\n'),
      });
      expectSuccess(answer);
      if (options.splunkAck) {
        let ackId: unknown;
        try {
          ackId = (JSON.parse(answer.body) as { ackId?: unknown }).ackId;
        } catch {
          ackId = undefined;
        }
        if (typeof ackId !== 'number')
          throw new DeliveryError('Splunk answered without an ackId: is indexer acknowledgement on for this token?');
        await waitForAck(token, ackId);
      }
      return events.length;
    },
    close() {},
  };
}
