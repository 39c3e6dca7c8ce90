import { readFileSync } from 'node:fs';
import { serviceKey } from '../core/context';
import { positive, text, type SettingsOf } from '../core/settings';

/** Where and how reverts are sent to the subgraphs that own the records. */
export interface RevertSettings {
  /** Entity type (`Lead`, ...) → URL that accepts a signed revert request. */
  endpoints: Record<string, string>;
  /** HMAC-SHA256 key for the `x-audit-signature` header; reverts are refused while unset. */
  signingSecret?: string;
  timeoutMs: number;
}

function parseEndpoints(text: string, origin: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${origin} must be a JSON object of entity type → URL`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${origin} must be a JSON object of entity type → URL`);
  const endpoints: Record<string, string> = {};
  for (const [type, url] of Object.entries(parsed)) {
    if (typeof url !== 'string' || !/^https?:\/\//.test(url))
      throw new Error(`${origin}: "${type}" must map to an http(s) URL`);
    endpoints[type] = url;
  }
  return endpoints;
}

/** Where and how reverts are sent; see {@link revertSettingsFrom}. */
export const revertSettings = {
  REVERT_ENDPOINTS: text({
    default: undefined,
    desc: 'JSON object: entity type to the URL that applies a revert (`{"Lead":"http://crm:4000/audit/revert"}`); unset: revert refused as not configured',
  }),
  REVERT_ENDPOINTS_FILE: text({
    default: undefined,
    desc: 'the same in a JSON file (`REVERT_ENDPOINTS` wins per type)',
  }),
  REVERT_SIGNING_SECRET: text({
    default: undefined,
    desc: 'HMAC-SHA256 key of revert requests (`x-audit-signature`); unset: revert refused as not configured',
  }),
  REVERT_TIMEOUT_MS: positive({ default: 5000, desc: 'how long the owning subgraph has to answer a revert' }),
};

/** @throws Error when an endpoint list is malformed or its file cannot be read. */
export function revertSettingsFrom(settings: SettingsOf<typeof revertSettings>): RevertSettings {
  const fromFile = settings.REVERT_ENDPOINTS_FILE
    ? parseEndpoints(readFileSync(settings.REVERT_ENDPOINTS_FILE, 'utf8'), 'REVERT_ENDPOINTS_FILE')
    : {};
  const fromEnv = settings.REVERT_ENDPOINTS ? parseEndpoints(settings.REVERT_ENDPOINTS, 'REVERT_ENDPOINTS') : {};
  return {
    endpoints: { ...fromFile, ...fromEnv },
    signingSecret: settings.REVERT_SIGNING_SECRET,
    timeoutMs: settings.REVERT_TIMEOUT_MS,
  };
}

/** Provided by the revert module at start-up. */
export const REVERT_SETTINGS = serviceKey<RevertSettings>('revert.settings');
