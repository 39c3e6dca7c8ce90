import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createAuthenticator } from '../../src/auth/verify-token';
import { signDevelopmentToken } from '../../src/auth/sign-development-token';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config';

const root = path.resolve(__dirname, '../..');

// Each script test starts ts-node in a child process: over 15 s when the machine's two cores are busy.
jest.setTimeout(60_000);

function runTokenScript(args: string[], env: Record<string, string> = {}) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.AUTH_JWT_SECRET;
  delete childEnv.AUTH_JWKS_URL;
  if (!('NODE_ENV' in env)) delete childEnv.NODE_ENV;
  return spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'dev/token.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...childEnv, ...env },
  });
}

describe('signDevelopmentToken', () => {
  it('signs HS256 with the development secret by default, and the server accepts it', async () => {
    const token = await signDevelopmentToken({ sub: 'alice', org: 'demo', role: 'ADMIN', email: 'alice@example.com' });
    expect(decodeProtectedHeader(token).alg).toBe('HS256');
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: 'alice', org: 'demo', role: 'ADMIN', email: 'alice@example.com' });
    expect(claims.exp! - claims.iat!).toBe(8 * 3600);

    const authenticate = createAuthenticator({ jwtSecret: DEVELOPMENT_JWT_SECRET });
    const { principal } = await authenticate(`Bearer ${token}`);
    expect(principal).toMatchObject({ subject: 'alice', tenantId: 'demo', role: 'ADMIN', email: 'alice@example.com' });
  });

  it('honours secret, expiry, issuer and audience', async () => {
    const token = await signDevelopmentToken({
      sub: 'svc',
      org: 'acme',
      role: 'SERVICE',
      secret: 'another-secret',
      expiresIn: 60,
      issuer: 'https://id.example.com/',
      audience: 'audit',
    });
    const claims = decodeJwt(token);
    expect(claims.exp! - claims.iat!).toBe(60);
    expect(claims.email).toBeUndefined();
    const strict = createAuthenticator({
      jwtSecret: 'another-secret',
      issuer: 'https://id.example.com/',
      audience: 'audit',
    });
    expect((await strict(`Bearer ${token}`)).principal?.role).toBe('SERVICE');
    const wrongKey = createAuthenticator({ jwtSecret: DEVELOPMENT_JWT_SECRET });
    expect((await wrongKey(`Bearer ${token}`)).principal).toBeNull();
  });

  it('an expired token is refused', async () => {
    const token = await signDevelopmentToken({ sub: 'a', org: 'b', role: 'ADMIN', expiresIn: -10 });
    const result = await createAuthenticator({ jwtSecret: DEVELOPMENT_JWT_SECRET })(`Bearer ${token}`);
    expect(result.principal).toBeNull();
  });
});

describe('dev/token.ts', () => {
  it('prints only the token on stdout', async () => {
    const result = runTokenScript(['--role', 'ADMIN', '--org', 'demo', '--sub', 'alice', '--expires', '1h']);
    expect(result.status).toBe(0);
    const token = result.stdout.trim();
    expect(decodeJwt(token)).toMatchObject({ sub: 'alice', org: 'demo', role: 'ADMIN' });
    const { principal } = await createAuthenticator({ jwtSecret: DEVELOPMENT_JWT_SECRET })(`Bearer ${token}`);
    expect(principal?.tenantId).toBe('demo');
  });

  it('uses AUTH_JWT_SECRET when set', async () => {
    const result = runTokenScript(['--role', 'SERVICE', '--org', 'acme'], { AUTH_JWT_SECRET: 'from-the-environment' });
    expect(result.status).toBe(0);
    const { principal } = await createAuthenticator({ jwtSecret: 'from-the-environment' })(
      `Bearer ${result.stdout.trim()}`,
    );
    expect(principal).toMatchObject({ subject: 'service@acme', role: 'SERVICE' });
  });

  it('is refused when NODE_ENV=production, and without --role/--org', () => {
    const production = runTokenScript(['--role', 'ADMIN', '--org', 'demo'], {
      NODE_ENV: 'production',
      AUTH_JWT_SECRET: 'x',
    });
    expect(production.status).toBe(1);
    expect(production.stdout).toBe('');
    expect(production.stderr).toMatch(/refused.*NODE_ENV=production/);
    const missing = runTokenScript(['--org', 'demo']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/--role and --org are required/);
  });
});
