/**
 * Prints a signed development bearer token:
 *   npm run -s token -- --role ADMIN --org demo [--sub alice] [--email alice@example.com] [--expires 8h]
 * Signed HS256 with AUTH_JWT_SECRET when set, else the development secret the server uses by default.
 * The token alone goes to stdout (`TOKEN=$(npm run -s token -- --role ADMIN --org demo)`); notes go to stderr.
 * Refused when NODE_ENV=production.
 */
import { parseArgs } from 'node:util';
import { DEVELOPMENT_JWT_SECRET } from '../src/config';
import { loadAppConfig } from '../src/modules';
import { signDevelopmentToken } from '../src/auth/sign-development-token';

const usage = `usage: npm run -s token -- --role ADMIN|SERVICE|<other> --org <tenant> [--sub <id>] [--email <address>] [--expires 8h]`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  if (process.env.NODE_ENV === 'production') {
    fail('refused: development tokens are not issued when NODE_ENV=production (use your identity provider)');
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        role: { type: 'string' },
        org: { type: 'string' },
        sub: { type: 'string' },
        email: { type: 'string' },
        expires: { type: 'string', default: '8h' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n${usage}`);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const role = values.role as string | undefined;
  const org = values.org as string | undefined;
  if (!role || !org) fail(`--role and --org are required\n${usage}`);

  const config = loadAppConfig();
  if (config.auth.jwksUrl) {
    fail('AUTH_JWKS_URL is set: the server only accepts tokens from that identity provider, not development tokens');
  }
  const secret = config.auth.jwtSecret ?? DEVELOPMENT_JWT_SECRET;
  const expires = values.expires as string;
  const token = await signDevelopmentToken({
    sub: (values.sub as string | undefined) ?? `${role.toLowerCase()}@${org}`,
    org,
    role,
    email: values.email as string | undefined,
    expiresIn: /^\d+$/.test(expires) ? Number(expires) : expires,
    secret,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  }).catch((error: Error) => fail(`cannot sign the token: ${error.message}`));
  if (secret === DEVELOPMENT_JWT_SECRET) {
    process.stderr.write('signed with the development secret (AUTH_JWT_SECRET is unset); valid for ' + expires + '\n');
  }
  process.stdout.write(`${token}\n`);
}

void main();
