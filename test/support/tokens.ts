import { SignJWT } from 'jose';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256';

export interface TokenClaims {
  sub?: string;
  org?: string;
  role?: string;
  email?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  secret?: string;
}

export async function signToken({
  sub = 'user-1',
  org = 'acme',
  role = 'ADMIN',
  email,
  expiresIn = 3600,
  secret = TEST_JWT_SECRET,
}: TokenClaims = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ org, role, ...(email ? { email } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn)
    .sign(new TextEncoder().encode(secret));
}

export const adminToken = (org = 'acme') => signToken({ org, role: 'ADMIN', sub: `admin@${org}` });
export const serviceToken = (org = 'acme') => signToken({ org, role: 'SERVICE', sub: `crm-service@${org}` });
export const userToken = (org = 'acme') => signToken({ org, role: 'USER', sub: `user@${org}` });
