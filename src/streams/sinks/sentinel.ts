import type { StreamRecord } from '../formats/format-event';
import { DeliveryError, expectSuccess, postToSink, requireSecret, takeBatch, type Sink, type SinkSetup } from './sink';

const MAX_RECORDS = 1000;
/** The Logs Ingestion API takes at most 1 MB a call. */
const MAX_BYTES = 1024 * 1024;
const API_VERSION = '2023-01-01';
const SCOPE = 'https://monitor.azure.com//.default';
/** A token is renewed this long before Entra ID says it expires. */
const TOKEN_MARGIN_MS = 60_000;

/** `…/dataCollectionRules/<immutable id>/streams/<stream name>`: what the Logs Ingestion API is called on. */
export const SENTINEL_PATH = /\/dataCollectionRules\/[^/]+\/streams\/[^/]+\/?$/;

/** The record's document with `TimeGenerated` first, spliced into its JSON rather than serialised again. */
function withTimeGenerated(record: StreamRecord): string {
  const time = `"TimeGenerated":${JSON.stringify(record.occurredAt.toISOString())}`;
  return record.json === '{}' ? `{${time}}` : `{${time},${record.json.slice(1)}`;
}

export function ingestionUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (!url.searchParams.has('api-version')) url.searchParams.set('api-version', API_VERSION);
  return url.toString();
}

/**
 * Microsoft Sentinel through the Azure Monitor Logs Ingestion API: a JSON array (gzipped) POSTed to the data
 * collection rule's stream, with a bearer token from Entra ID's client-credentials flow (`options.tokenUrl`,
 * `options.clientId`, the secret being the client secret). Each record gains `TimeGenerated`, the column every
 * Log Analytics table requires.
 */
export function sentinelSink(setup: SinkSetup): Sink {
  let token: { value: string; until: number } | null = null;

  async function bearer(): Promise<string> {
    if (token && token.until > Date.now()) return token.value;
    const { tokenUrl, clientId } = setup.stream.options;
    if (!tokenUrl || !clientId) throw new DeliveryError('options.tokenUrl and options.clientId are required');
    const answer = await postToSink(setup, {
      url: tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: clientId,
        client_secret: requireSecret(setup),
        grant_type: 'client_credentials',
        scope: SCOPE,
      }).toString(),
    });
    if (answer.status < 200 || answer.status >= 300)
      throw new DeliveryError(`the token endpoint answered HTTP ${answer.status}`, answer.status);
    const parsed = JSON.parse(answer.body || '{}') as { access_token?: string; expires_in?: number | string };
    if (!parsed.access_token) throw new DeliveryError('the token endpoint answered without an access_token');
    token = {
      value: parsed.access_token,
      until: Date.now() + Number(parsed.expires_in ?? 3600) * 1000 - TOKEN_MARGIN_MS,
    };
    return token.value;
  }

  return {
    maxRecords: MAX_RECORDS,
    async deliver(records) {
      const rows = takeBatch(records, withTimeGenerated, {
        maxRecords: MAX_RECORDS,
        maxBytes: MAX_BYTES,
        overheadBytes: 2,
      });
      const answer = await postToSink(setup, {
        url: ingestionUrl(setup.stream.endpoint),
        headers: { authorization: `Bearer ${await bearer()}`, 'content-type': 'application/json' },
        body: `[${rows.join(',')}]`,
        gzip: true,
      });
      if (answer.status === 401) token = null;
      expectSuccess(answer);
      return rows.length;
    },
    close() {},
  };
}
