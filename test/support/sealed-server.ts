import { randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from './server';
import { signToken } from './tokens';

/**
 * A server that seals personal data (a master key of its own), with tenant `acme`'s ADMIN (a DPO) and AUDITOR
 * tokens, and `Contact.email` marked personal there.
 */
export async function startSealedServer(
  env: Record<string, string> = {},
): Promise<{ server: TestServer; admin: string; auditor: string }> {
  const server = await startTestServer({
    env: { PERSONAL_DATA_MASTER_KEY: randomBytes(32).toString('base64'), ...env },
  });
  const [admin, auditor] = await Promise.all([
    signToken({ org: 'acme', role: 'ADMIN', sub: 'dpo' }),
    signToken({ org: 'acme', role: 'AUDITOR', sub: 'aud' }),
  ]);
  const marked = await server.graphql(
    `mutation { setPersonalFields(entityType: "Contact", fields: ["email"]) { fields } }`,
    {},
    admin,
  );
  if (marked.errors) throw new Error(JSON.stringify(marked.errors));
  return { server, admin, auditor };
}
