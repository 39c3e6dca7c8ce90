import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config';
import { unstorableTextProblem } from '../text';
import type { Authentication } from './principal';

/** Tenant ids and subjects lead index keys and appear in every event: a bounded length keeps them storable. */
const MAX_IDENTITY_LENGTH = 256;

export type Authenticate = (authorization: string | undefined | null) => Promise<Authentication>;

/**
 * Builds the bearer-token check: HS256 with the shared secret, or RS256/ES256 with keys from
 * the JWKS endpoint. `exp`, `sub` and `org` are required; issuer and audience when configured.
 * Never throws: a refused token yields `{ principal: null, problem }` so that open fields
 * (`_service`, `_entities`) still work and guarded ones report `UNAUTHENTICATED` with the reason.
 */
export function createAuthenticator(config: AuthConfig): Authenticate {
  const key: Uint8Array | JWTVerifyGetKey = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl))
    : new TextEncoder().encode(config.jwtSecret);
  const algorithms = config.jwksUrl ? ['RS256', 'ES256'] : ['HS256'];

  return async (authorization) => {
    if (!authorization) return { principal: null, problem: 'no bearer token was given' };
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) return { principal: null, problem: 'the Authorization header must be "Bearer <token>"' };
    try {
      const { payload } = await jwtVerify(match[1], key as JWTVerifyGetKey, {
        algorithms,
        issuer: config.issuer,
        audience: config.audience,
        requiredClaims: ['exp', 'sub', 'org'],
      });
      // Each ends up in queries and in the events an admin's changes record: PostgreSQL must be able to store it.
      for (const claim of ['sub', 'org'] as const)
        if (!isUsableText(payload[claim]))
          return { principal: null, problem: `the token's ${claim} claim is not accepted` };
      for (const claim of ['role', 'email'] as const) {
        const value = payload[claim];
        if (typeof value === 'string' && unstorableTextProblem(value))
          return { principal: null, problem: `the token's ${claim} claim is not accepted` };
      }
      return {
        principal: {
          subject: payload.sub as string,
          tenantId: payload.org as string,
          role: typeof payload.role === 'string' ? payload.role : '',
          email: typeof payload.email === 'string' ? payload.email : null,
          expiresAt: payload.exp!,
        },
      };
    } catch (error) {
      return { principal: null, problem: describe(error) };
    }
  };
}

function isUsableText(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.trim() !== '' &&
    value.length <= MAX_IDENTITY_LENGTH &&
    unstorableTextProblem(value) === null
  );
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  return 'the token is not valid';
}
