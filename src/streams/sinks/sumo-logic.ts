import { expectSuccess, postToSink, requireSecret, takeBatch, type Sink, type SinkSetup } from './sink';

const MAX_RECORDS = 1000;
/** Sumo Logic's HTTP source: at most 1 MB of (uncompressed) data a request. */
const MAX_BYTES = 1024 * 1024;

/**
 * Sumo Logic HTTP source: one JSON document a line, gzipped. The source's URL is its credential, so the stream's
 * endpoint is the collector's URL without it (`https://endpoint1.collection.sumologic.com/receiver/v1/http`) and
 * the secret is the unique code Sumo appends: it is then never shown.
 */
export function sumoLogicSink(setup: SinkSetup): Sink {
  return {
    maxRecords: MAX_RECORDS,
    async deliver(records) {
      const url = new URL(setup.stream.endpoint);
      url.pathname = `${url.pathname.replace(/\/$/, '')}/${requireSecret(setup)}`;
      const lines = takeBatch(records, (record) => record.json, {
        maxRecords: MAX_RECORDS,
        maxBytes: MAX_BYTES,
      });
      expectSuccess(
        await postToSink(setup, {
          url: url.toString(),
          headers: {
            'content-type': 'application/json',
            'x-sumo-name': 'audit-subgraph',
            ...(setup.stream.options.category ? { 'x-sumo-category': setup.stream.options.category } : {}),
          },
          body: lines.join('\n'),
          gzip: true,
        }),
      );
      return lines.length;
    },
    close() {},
  };
}
