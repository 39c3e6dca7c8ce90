import { SignJWT } from 'jose';
import { DEVELOPMENT_JWT_SECRET } from '../config';

export interface DevelopmentTokenOptions {
  /** The caller's user or service id. */
  sub: string;
  /** The tenant the caller belongs to. */
  org: string;
  /** `ADMIN`, `SERVICE`, or anything else for an ordinary user. */
  role: string;
  email?: string;
  /** A duration such as `8h`, `30m`, `2 days` (see jose's setExpirationTime), or seconds from now; default `8h`. */
  expiresIn?: string | number;
  /** HS256 secret; default DEVELOPMENT_JWT_SECRET (what the server uses when AUTH_JWT_SECRET is unset). */
  secret?: string;
  /** Set `iss` / `aud` when the server checks them (AUTH_ISSUER, AUTH_AUDIENCE). */
  issuer?: string;
  audience?: string;
}

/** A bearer token for development and tests, signed HS256 with claims `sub`, `org`, `role`, `email`, `iat`, `exp`. */
export async function signDevelopmentToken(options: DevelopmentTokenOptions): Promise<string> {
  const { sub, org, role, email, expiresIn = '8h', secret = DEVELOPMENT_JWT_SECRET, issuer, audience } = options;
  if (!sub || !org || !role) throw new Error('sub, org and role are required');
  const jwt = new SignJWT({ org, role, ...(email ? { email } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(typeof expiresIn === 'number' ? Math.floor(Date.now() / 1000) + expiresIn : expiresIn);
  if (issuer) jwt.setIssuer(issuer);
  if (audience) jwt.setAudience(audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
