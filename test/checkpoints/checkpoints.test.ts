import { generateKeyPairSync } from 'node:crypto';
import { publicJwkOf, loadSigningKeys } from '../../src/checkpoints/signing-keys';
import { signDocument, verifyDocument, type PublicJwk } from '../../src/checkpoints/signed-document';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';
import { waitUntil } from '../support/wait';

const CHECKPOINTS = `{ auditCheckpoints { tenantId sequence hash signedAt deletionRecords deletionHash keyId signature } }`;
const pem = (key: ReturnType<typeof generateKeyPairSync>['privateKey']) =>
  key.export({ format: 'pem', type: 'pkcs8' }).toString();

describe('signed checkpoints', () => {
  const oldKey = generateKeyPairSync('ed25519').privateKey;
  const newKey = generateKeyPairSync('ed25519').privateKey;
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        AUDIT_SIGNING_KEY: pem(newKey),
        AUDIT_PREVIOUS_PUBLIC_KEYS: JSON.stringify({ keys: [publicJwkOf(oldKey)] }),
        CHECKPOINT_INTERVAL_SECONDS: '1',
        RETENTION_INTERVAL: '0',
      },
    });
  });
  afterAll(() => server.stop());

  it('signs the head of each tenant that wrote, on the schedule, verifiable with the published keys', async () => {
    await recordEvents(server, await serviceToken('signed'), [{ actor: { id: 'u1' }, action: 'LOGIN' }]);
    const admin = await adminToken('signed');
    let checkpoints: any[] = [];
    await waitUntil(
      async () => (checkpoints = (await server.graphql(CHECKPOINTS, {}, admin)).data!.auditCheckpoints).length > 0,
      () => 'no checkpoint was signed',
    );
    expect(checkpoints[0]).toMatchObject({ tenantId: 'signed', sequence: '1', deletionRecords: 0 });
    const jwks = (await (await fetch(`${server.url}/.well-known/audit-keys.json`)).json()) as { keys: PublicJwk[] };
    expect(jwks.keys.map((key) => key.kid)).toEqual([publicJwkOf(newKey).kid, publicJwkOf(oldKey).kid]);
    expect(checkpoints[0].keyId).toBe(publicJwkOf(newKey).kid);
    const document = { ...checkpoints[0], signedAt: new Date(checkpoints[0].signedAt).toISOString() };
    expect(verifyDocument(document, jwks.keys)).toBe(true);
    expect(verifyDocument({ ...document, hash: '0'.repeat(64) }, jwks.keys)).toBe(false);
  });

  it('keeps what a retired key signed verifiable, and refuses a development key in production', () => {
    const keys = loadSigningKeys({
      pem: pem(oldKey),
      developmentFile: '/nonexistent/never-written.pem',
      production: true,
    });
    const retired = signDocument({ tenantId: 't', sequence: '7' }, keys.keyId, keys.privateKey);
    expect(verifyDocument(retired, [publicJwkOf(newKey), publicJwkOf(oldKey)])).toBe(true);
    expect(verifyDocument(retired, [publicJwkOf(newKey)])).toBe(false);
    expect(() => loadSigningKeys({ developmentFile: '/nonexistent/never-written.pem', production: true })).toThrow(
      /AUDIT_SIGNING_KEY/,
    );
  });
});
