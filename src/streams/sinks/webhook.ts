import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../../net/signature';
import { expectSuccess, postToSink, requireSecret, takeBatch, type Sink, type SinkSetup } from './sink';

const MAX_RECORDS = 1000;
const MAX_BYTES = 4 * 1024 * 1024;

/**
 * A JSON batch `{"stream": {...}, "events": [...]}` signed like alert webhooks (`x-audit-signature` over
 * `<x-audit-timestamp>.<body>`, with the stream's secret as the key). `x-audit-delivery` names the batch by its
 * sequences: a batch sent again after a failure carries the same one.
 */
export function webhookSink(setup: SinkSetup): Sink {
  return {
    maxRecords: MAX_RECORDS,
    async deliver(records) {
      const secret = requireSecret(setup);
      const documents = takeBatch(records, (record) => record.json, {
        maxRecords: MAX_RECORDS,
        maxBytes: MAX_BYTES,
      });
      const batch = records.slice(0, documents.length);
      const body = `{"stream":${JSON.stringify({ id: setup.stream.id, name: setup.stream.name })},"events":[${documents.join(',')}]}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      expectSuccess(
        await postToSink(setup, {
          url: setup.stream.endpoint,
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signBody(secret, timestamp, body),
            [TIMESTAMP_HEADER]: timestamp,
            'x-audit-delivery': `${setup.stream.id}:${batch[0].sequence}-${batch.at(-1)!.sequence}`,
          },
          body,
        }),
      );
      return batch.length;
    },
    close() {},
  };
}
