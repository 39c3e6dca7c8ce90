import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../errors';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../net/signature';
import { revertError } from './revert-errors';
import type { RevertField } from './revert-plan';
import type { RevertSettings } from './revert-settings';

export interface RevertRequest {
  tenantId: string;
  entityType: string;
  entityId: string;
  revertOf: string;
  requestedBy: { id: string; email: string | null };
  force: boolean;
  fields: RevertField[];
}

/**
 * POSTs the signed request to the entity type's endpoint. Resolves when it answers 2xx (and not
 * `{"applied": false}`); otherwise throws REVERT_REFUSED, REVERT_TIMEOUT or REVERT_UNAVAILABLE.
 */
export async function sendRevertRequest(settings: RevertSettings | undefined, request: RevertRequest): Promise<string> {
  const url = settings?.endpoints[request.entityType];
  if (!settings || !url)
    throw revertError(ErrorCode.RevertUnavailable, `no revert endpoint is configured for ${request.entityType}`, {
      reason: 'NOT_CONFIGURED',
    });
  if (!settings.signingSecret)
    throw revertError(ErrorCode.RevertUnavailable, 'REVERT_SIGNING_SECRET is not set', { reason: 'NOT_CONFIGURED' });
  const requestId = randomUUID();
  const body = JSON.stringify({
    requestId,
    ...request,
    fields: request.fields.map(({ field, value, current }) => ({ field, value, expectedCurrentValue: current })),
  });
  const timestamp = Math.floor(Date.now() / 1000).toString();
  const deadline = AbortSignal.timeout(settings.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-audit-request-id': requestId,
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signBody(settings.signingSecret, timestamp, body),
      },
      body,
      signal: deadline,
    });
  } catch {
    if (deadline.aborted)
      throw revertError(
        ErrorCode.RevertTimeout,
        `the ${request.entityType} service did not answer within ${settings.timeoutMs} ms`,
        { reason: 'TIMEOUT' },
      );
    throw revertError(ErrorCode.RevertUnavailable, `the ${request.entityType} service could not be reached`, {
      reason: 'UNREACHABLE',
    });
  }
  const text = await response.text().catch(() => '');
  const answer = parseAnswer(text);
  if (response.ok && answer.applied !== false) return requestId;
  const why = answer.reason ?? answer.message ?? (text.slice(0, 300) || `HTTP ${response.status}`);
  if (response.status >= 500)
    throw revertError(ErrorCode.RevertUnavailable, `the ${request.entityType} service failed: ${why}`, {
      reason: 'OWNER_FAILED',
      status: response.status,
    });
  throw revertError(ErrorCode.RevertRefused, `the ${request.entityType} service refused the revert: ${why}`, {
    reason: 'REFUSED',
    status: response.status,
  });
}

function parseAnswer(text: string): { applied?: boolean; reason?: string; message?: string } {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}
