import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startTestServer, type TestServer } from '../support/server';
import { signToken } from '../support/tokens';

const QUERY = '{ auditEvents(first: 1) { edges { cursor } } }';

async function sign(key: CryptoKey, alg: string, claims: Record<string, unknown>, { kid = 'k1', exp = '1h' } = {}) {
  return new SignJWT({ org: 'acme', role: 'ADMIN', ...claims })
    .setProtectedHeader({ alg, kid })
    .setSubject('a')
    .setExpirationTime(exp)
    .sign(key);
}

describe('bearer tokens', () => {
  let database: TestDatabase;
  let jwks: Server;
  let jwksUrl: string;
  let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
  let ec: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    database = await createTestDatabase();
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    const keys: object[] = [];
    keys.push(
      { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256' },
      { ...(await exportJWK(ec.publicKey)), kid: 'k2', alg: 'ES256' },
    );
    jwks = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(async () => {
    jwks.close();
    await database.drop();
  });

  describe('with a JWKS endpoint and issuer/audience checks', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({
        database,
        env: { AUTH_JWKS_URL: jwksUrl, AUTH_ISSUER: 'https://idp.test', AUTH_AUDIENCE: 'audit' },
      });
    });
    afterAll(() => server.stop());

    it.each(['RS256', 'ES256'])('accepts %s tokens from the key set', async (alg) => {
      const token = await sign(
        alg === 'RS256' ? rsa.privateKey : ec.privateKey,
        alg,
        { iss: 'https://idp.test', aud: 'audit' },
        { kid: alg === 'RS256' ? 'k1' : 'k2' },
      );
      expect((await server.graphql(QUERY, {}, token)).errors).toBeUndefined();
    });

    it.each([
      ['a wrong issuer', { iss: 'https://evil.test', aud: 'audit' }],
      ['a wrong audience', { iss: 'https://idp.test', aud: 'billing' }],
      ['no audience', { iss: 'https://idp.test' }],
    ])('refuses %s', async (_what, claims) => {
      const response = await server.graphql(QUERY, {}, await sign(rsa.privateKey, 'RS256', claims));
      expect(response.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    });

    it('refuses an HS256 token when keys come from JWKS', async () => {
      const response = await server.graphql(QUERY, {}, await signToken({ role: 'ADMIN' }));
      expect(response.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    });
  });

  it('requires exp, sub and org', async () => {
    const server = await startTestServer({ database });
    try {
      const secret = new TextEncoder().encode('test-secret-that-is-long-enough-for-hs256');
      const noExp = await new SignJWT({ org: 'acme', role: 'ADMIN' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('a')
        .sign(secret);
      const noOrg = await new SignJWT({ role: 'ADMIN' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('a')
        .setExpirationTime('1h')
        .sign(secret);
      for (const token of [noExp, noOrg]) {
        const response = await server.graphql(QUERY, {}, token);
        expect(response.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
      }
    } finally {
      await server.stop();
    }
  });

  it('refuses a tenant or subject too long to store, naming the claim', async () => {
    const server = await startTestServer({ database });
    try {
      for (const [claim, claims] of [
        ['org', { org: 'o'.repeat(257), sub: 'a' }],
        ['sub', { org: 'acme', sub: 's'.repeat(257) }],
      ] as const) {
        const response = await server.graphql(QUERY, {}, await signToken({ role: 'ADMIN', ...claims }));
        expect(response.errors![0]).toMatchObject({
          message: expect.stringContaining(`token's ${claim} claim is not accepted`),
          extensions: { code: 'UNAUTHENTICATED' },
        });
      }
      const longest = await server.graphql(
        QUERY,
        {},
        await signToken({ role: 'ADMIN', org: 'o'.repeat(256), sub: 'a' }),
      );
      expect(longest.errors).toBeUndefined();
    } finally {
      await server.stop();
    }
  });
});
