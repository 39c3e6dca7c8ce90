import { DeliveryError, expectSuccess, postToSink, takeBatch, type Sink, type SinkSetup } from './sink';

const MAX_RECORDS = 1000;
/** Elastic advises bulk requests of a few MB; far below `http.max_content_length` (100 MB). */
const MAX_BYTES = 5 * 1024 * 1024;

interface BulkItem {
  status?: number;
  error?: { type?: string; reason?: string };
}

/** The endpoint is the index or data stream URL (`https://es:9200/audit`) or its `_bulk` URL. */
export function bulkUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (!/\/_bulk\/?$/.test(url.pathname)) url.pathname = `${url.pathname.replace(/\/$/, '')}/_bulk`;
  return url.toString();
}

/**
 * Elasticsearch `_bulk` NDJSON: one `create` per event with the event id as `_id`, so that a repeat is refused as a
 * conflict (409) and counted as delivered instead of stored twice; `create` also writes to data streams. The items
 * are answered one by one: the leading run of stored or conflicting ones is acknowledged, the rest sent again.
 * `Authorization: ApiKey <secret>` when a secret is stored (credentials in the URL are sent as Basic).
 */
export function elasticSink(setup: SinkSetup): Sink {
  return {
    maxRecords: MAX_RECORDS,
    async deliver(records) {
      const lines = takeBatch(
        records,
        (record) => `${JSON.stringify({ create: { _id: record.id } })}\n${record.json}`,
        { maxRecords: MAX_RECORDS, maxBytes: MAX_BYTES },
      );
      const answer = await postToSink(setup, {
        url: bulkUrl(setup.stream.endpoint),
        headers: {
          'content-type': 'application/x-ndjson',
          ...(setup.secret ? { authorization: `ApiKey ${setup.secret}` } : {}),
        },
        body: `${lines.join('\n')}\n`,
      });
      expectSuccess(answer);
      let parsed: { errors?: boolean; items?: Array<Record<string, BulkItem>> };
      try {
        parsed = JSON.parse(answer.body) as typeof parsed;
      } catch {
        throw new DeliveryError('the _bulk answer is not JSON', answer.status);
      }
      const items = parsed.items ?? [];
      if (items.length !== lines.length)
        throw new DeliveryError(`the _bulk answer holds ${items.length} items for ${lines.length} sent`, answer.status);
      const accepted = items.findIndex((item) => {
        const status = Object.values(item)[0]?.status ?? 0;
        return !((status >= 200 && status < 300) || status === 409);
      });
      if (accepted === 0) {
        const failed = Object.values(items[0])[0];
        throw new DeliveryError(
          `_bulk refused the event: ${failed?.status} ${failed?.error?.type ?? ''} ${failed?.error?.reason ?? ''}`.trim(),
          failed?.status ?? null,
        );
      }
      return accepted === -1 ? lines.length : accepted;
    },
    close() {},
  };
}
