import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';

/** A secret for this run only: passed to the server as AUTH_JWT_SECRET and used to sign the bench's tokens. */
export const BENCH_JWT_SECRET = process.env.BENCH_JWT_SECRET || `bench-${randomBytes(24).toString('hex')}`;

/** The personal data master key of this run's sealing servers (bench:sealing). */
export const BENCH_MASTER_KEY = randomBytes(32).toString('base64');

export function signBenchToken({
  org,
  role,
  sub,
}: {
  org: string;
  role: 'ADMIN' | 'SERVICE';
  sub: string;
}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ org, role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 6 * 3600)
    .sign(new TextEncoder().encode(BENCH_JWT_SECRET));
}
