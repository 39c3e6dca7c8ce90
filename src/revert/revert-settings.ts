import { readFileSync } from 'node:fs';

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

/**
 * Reads `REVERT_ENDPOINTS` (JSON) or `REVERT_ENDPOINTS_FILE` (a JSON file; both may be given, the
 * variable wins per type), `REVERT_SIGNING_SECRET` and `REVERT_TIMEOUT_MS` (default 5000).
 * @throws Error on a malformed setting.
 */
export function loadRevertSettings(env: NodeJS.ProcessEnv): RevertSettings {
  const fromFile = env.REVERT_ENDPOINTS_FILE
    ? parseEndpoints(readFileSync(env.REVERT_ENDPOINTS_FILE, 'utf8'), 'REVERT_ENDPOINTS_FILE')
    : {};
  const fromEnv = env.REVERT_ENDPOINTS ? parseEndpoints(env.REVERT_ENDPOINTS, 'REVERT_ENDPOINTS') : {};
  const timeout = env.REVERT_TIMEOUT_MS ? Number(env.REVERT_TIMEOUT_MS) : 5000;
  if (!Number.isInteger(timeout) || timeout <= 0) throw new Error('REVERT_TIMEOUT_MS must be a positive integer');
  return {
    endpoints: { ...fromFile, ...fromEnv },
    signingSecret: env.REVERT_SIGNING_SECRET || undefined,
    timeoutMs: timeout,
  };
}
