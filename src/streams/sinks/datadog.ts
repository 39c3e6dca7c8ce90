import { hostname } from 'node:os';
import { DeliveryError, expectSuccess, postToSink, requireSecret, takeBatch, type Sink, type SinkSetup } from './sink';
import type { StreamRecord } from '../formats/format-event';

/** Datadog's v2 intake limits: 1,000 entries and 5 MB (uncompressed) a request. */
const MAX_RECORDS = 1000;
const MAX_BYTES = 5 * 1024 * 1024;

/**
 * Datadog Logs API v2 (`POST /api/v2/logs`): a gzipped JSON array, `DD-API-KEY`. A 413 halves the batch and tries
 * again at once (down to one entry); a 429 waits for the `Retry-After` Datadog gives, like any refusal.
 */
export function datadogSink(setup: SinkSetup): Sink {
  const host = hostname();
  const entry = (record: StreamRecord) =>
    JSON.stringify({
      ddsource: 'audit-subgraph',
      service: 'audit-subgraph',
      hostname: host,
      ddtags: `tenant:${setup.stream.tenantId},stream:${setup.stream.id},format:${setup.stream.format.toLowerCase()}`,
      message: record.json,
    });

  async function send(records: readonly StreamRecord[], maxRecords: number): Promise<number> {
    const entries = takeBatch(records, entry, { maxRecords, maxBytes: MAX_BYTES, overheadBytes: 2 });
    const answer = await postToSink(setup, {
      url: setup.stream.endpoint,
      headers: { 'content-type': 'application/json', 'dd-api-key': requireSecret(setup) },
      body: `[${entries.join(',')}]`,
      gzip: true,
    });
    if (answer.status === 413 && entries.length > 1) return send(records, Math.ceil(entries.length / 2));
    if (answer.status === 413) throw new DeliveryError('HTTP 413: one entry is larger than Datadog accepts', 413);
    expectSuccess(answer);
    return entries.length;
  }

  return { maxRecords: MAX_RECORDS, deliver: (records) => send(records, MAX_RECORDS), close() {} };
}
