import { timingSafeEqual } from 'node:crypto';
import { AuditError, ErrorCode, ForbiddenError } from '../errors';
import { signBody } from '../net/signature';

/** How long a download link is valid. */
export const LINK_LIFETIME_MS = 10 * 60 * 1000;

export const DOWNLOAD_PATH = '/v1/exports/:id/download';

export interface LinkTarget {
  tenantId: string;
  exportId: string;
}

function signatureOf(secret: string, target: LinkTarget, expires: string): string {
  return signBody(secret, expires, `${target.tenantId}/${target.exportId}`).slice('sha256='.length);
}

/** An absolute link to the export's file, valid LINK_LIFETIME_MS from `now`. */
export function signDownloadLink(secret: string, base: string, target: LinkTarget, now = Date.now()): string {
  const expires = String(Math.floor((now + LINK_LIFETIME_MS) / 1000));
  const query = new URLSearchParams({
    tenant: target.tenantId,
    expires,
    signature: signatureOf(secret, target, expires),
  });
  return `${base.replace(/\/+$/, '')}/v1/exports/${encodeURIComponent(target.exportId)}/download?${query}`;
}

/**
 * The export a link names, when it is this service's and still valid.
 * @throws FORBIDDEN when anything of it was altered, LINK_EXPIRED when it is older than its lifetime.
 */
export function verifyDownloadLink(
  secret: string,
  exportId: string,
  query: Record<string, unknown>,
  now = Date.now(),
): LinkTarget {
  const { tenant, expires, signature } = query;
  if (typeof tenant !== 'string' || typeof expires !== 'string' || typeof signature !== 'string')
    throw new ForbiddenError('This download link is not one this service signed');
  const target = { tenantId: tenant, exportId };
  const expected = Buffer.from(signatureOf(secret, target, expires));
  const given = Buffer.from(signature);
  if (!/^\d{1,12}$/.test(expires) || given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new ForbiddenError('This download link is not one this service signed');
  if (Number(expires) * 1000 < now)
    throw new AuditError(ErrorCode.LinkExpired, 'This download link has expired: read the export again for a new one');
  return target;
}
