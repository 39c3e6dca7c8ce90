import { BadUserInputError } from '../errors';
import { checkOutboundUrlResolved, OutboundRefusedError, type OutboundAllowList } from '../net/outbound-url';
import { parseSearchArgument } from '../search/parse';
import { SENTINEL_PATH } from './sinks/sentinel';
import { syslogAddress } from './sinks/syslog';
import { StreamFormat, StreamKind } from './stream-enums';
import type { StreamOptions } from './stream.entity';
import type { AuditStreamInput } from './stream.type';

const MAX_URL_CHARS = 2048;
const MAX_SECRET_CHARS = 4096;
const MAX_CERTIFICATE_CHARS = 65_536;
const SEQUENCE = /^\d{1,19}$/;

/** Kinds whose sink cannot work without a secret (a token, a key, the webhook's HMAC key). */
export const SECRET_REQUIRED: ReadonlySet<StreamKind> = new Set([
  StreamKind.WEBHOOK,
  StreamKind.SPLUNK_HEC,
  StreamKind.DATADOG,
  StreamKind.SENTINEL,
  StreamKind.SUMO_LOGIC,
]);

export interface CheckedStreamInput {
  name: string;
  kind: StreamKind;
  endpoint: string;
  format: StreamFormat;
  match: string | null;
  /** Undefined: keep the stored one (updates). */
  secret: string | undefined;
  enabled: boolean;
  startAfterSequence: string | null;
  options: StreamOptions;
}

async function checkUrl(argument: string, text: string, allowList: OutboundAllowList): Promise<string> {
  if (text.length > MAX_URL_CHARS) throw new BadUserInputError(argument, `must be at most ${MAX_URL_CHARS} characters`);
  try {
    return (await checkOutboundUrlResolved(allowList, text)).toString();
  } catch (error) {
    if (error instanceof OutboundRefusedError) throw new BadUserInputError(argument, error.message);
    throw error;
  }
}

async function checkEndpoint(kind: StreamKind, text: string, allowList: OutboundAllowList): Promise<string> {
  if (kind === StreamKind.SYSLOG) {
    let address: URL;
    try {
      address = syslogAddress(text);
    } catch {
      throw new BadUserInputError('input.endpoint', 'a SYSLOG endpoint is syslog+tls://host:port (TLS, RFC 5425)');
    }
    await checkUrl('input.endpoint', address.toString(), allowList);
    return `syslog+tls://${address.host}`;
  }
  const endpoint = await checkUrl('input.endpoint', text, allowList);
  if (kind === StreamKind.SENTINEL && !SENTINEL_PATH.test(new URL(endpoint).pathname))
    throw new BadUserInputError(
      'input.endpoint',
      'a SENTINEL endpoint is https://<collection endpoint>/dataCollectionRules/<DCR immutable id>/streams/<stream name>',
    );
  return endpoint;
}

const trimmed = (value: string | null | undefined) => value?.trim() || null;

async function checkOptions(
  kind: StreamKind,
  input: AuditStreamInput['options'],
  allowList: OutboundAllowList,
): Promise<StreamOptions> {
  const options: StreamOptions = {};
  if (kind === StreamKind.SENTINEL) {
    const tokenUrl = trimmed(input?.tokenUrl);
    const clientId = trimmed(input?.clientId);
    if (!tokenUrl)
      throw new BadUserInputError(
        'input.options.tokenUrl',
        'is required for SENTINEL: https://login.microsoftonline.com/<Entra tenant>/oauth2/v2.0/token',
      );
    if (!clientId) throw new BadUserInputError('input.options.clientId', 'is required for SENTINEL');
    options.tokenUrl = await checkUrl('input.options.tokenUrl', tokenUrl, allowList);
    options.clientId = clientId.slice(0, 200);
  }
  if (kind === StreamKind.SYSLOG && input?.caCertificate) {
    if (
      input.caCertificate.length > MAX_CERTIFICATE_CHARS ||
      !input.caCertificate.includes('-----BEGIN CERTIFICATE-----')
    )
      throw new BadUserInputError('input.options.caCertificate', 'must be PEM certificates');
    options.caCertificate = input.caCertificate;
  }
  if (kind === StreamKind.SPLUNK_HEC) {
    options.splunkAck = input?.splunkAck ?? false;
    options.index = trimmed(input?.index)?.slice(0, 200) ?? null;
    options.sourceType = trimmed(input?.sourceType)?.slice(0, 200) ?? null;
  }
  if (kind === StreamKind.SUMO_LOGIC) options.category = trimmed(input?.category)?.slice(0, 1024) ?? null;
  return options;
}

/**
 * The input's values, checked and defaulted; the endpoint under the outbound policy (resolved now, and again at
 * every connection).
 * @throws BadUserInputError naming the field.
 */
export async function checkStreamInput(
  input: AuditStreamInput,
  allowList: OutboundAllowList,
  { creating }: { creating: boolean },
): Promise<CheckedStreamInput> {
  const name = input.name.trim();
  if (!name || name.length > 200) throw new BadUserInputError('input.name', 'must be 1 to 200 characters');
  const match = trimmed(input.match);
  if (match) parseSearchArgument(match, 'input.match');
  const secret = input.secret ?? undefined;
  if (secret !== undefined && (secret.length === 0 || secret.length > MAX_SECRET_CHARS))
    throw new BadUserInputError('input.secret', `must be 1 to ${MAX_SECRET_CHARS} characters`);
  if (creating && secret === undefined && SECRET_REQUIRED.has(input.kind))
    throw new BadUserInputError('input.secret', `is required for ${input.kind}`);
  const start = trimmed(input.startAfterSequence);
  if (start !== null && !SEQUENCE.test(start))
    throw new BadUserInputError('input.startAfterSequence', 'must be a sequence (a decimal integer)');
  return {
    name,
    kind: input.kind,
    endpoint: await checkEndpoint(input.kind, input.endpoint.trim(), allowList),
    format: input.format ?? StreamFormat.NATIVE,
    match,
    secret,
    enabled: input.enabled ?? true,
    startAfterSequence: start,
    options: await checkOptions(input.kind, input.options, allowList),
  };
}
