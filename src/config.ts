import { count, flag, positive, Settings, text, type SettingsSpec } from './core/settings';
import { parseOutboundAllowList, type OutboundAllowList } from './net/outbound-url';

/** The server's own environment variables; each module declares its own (`AuditModule.settings`). */
export const serverSettings = {
  PORT: count({ default: 4001, desc: 'listen port' }),
  DATABASE_URL: text({
    default: undefined,
    desc: 'PostgreSQL connection string (`npm start` without it: an embedded PostgreSQL under `./.data/`)',
  }),
  NODE_ENV: text({
    default: undefined,
    desc: '`production` refuses the development secret and tokens, hides the explorer and introspection',
  }),
  AUTH_JWT_SECRET: text({
    default: undefined,
    desc: 'HS256 secret for bearer tokens (unset: a development secret with a warning; refused when `NODE_ENV=production`)',
  }),
  AUTH_JWKS_URL: text({ default: undefined, desc: 'RS256/ES256 keys from a JWKS endpoint (instead of the secret)' }),
  AUTH_ISSUER: text({ default: undefined, desc: 'the tokens’ `iss`, checked when set' }),
  AUTH_AUDIENCE: text({ default: undefined, desc: 'the tokens’ `aud`, checked when set' }),
  LOG_LEVEL: text({ default: undefined, desc: 'pino level (default `info`, `silent` when `NODE_ENV=test`)' }),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: positive({
    default: 75_000,
    desc: 'how long an idle keep-alive connection stays open: longer than the idle timeout of the gateways or load balancers that pool connections to it (often 60 s), so they close first',
  }),
  MAX_BODY_BYTES: positive({ default: 5 * 1024 * 1024, desc: 'largest HTTP body, in bytes' }),
  MAX_QUERY_BYTES: positive({ default: 64 * 1024, desc: 'longest GraphQL document, in UTF-8 bytes' }),
  MAX_QUERY_TOKENS: positive({ default: 10_000, desc: 'most lexical tokens in one GraphQL document' }),
  MAX_QUERY_SELECTIONS: positive({
    default: 2_000,
    desc: 'most selections (fields, spreads, inline fragments) in one document once its fragments are expanded',
  }),
  READ_STATEMENT_TIMEOUT_MS: count({
    default: 10_000,
    desc: 'reads of the audit log are cancelled after this long (PostgreSQL `statement_timeout`) with `QUERY_TIMEOUT`; `0`: never',
  }),
  MAX_QUERY_DEPTH: positive({ default: 12, desc: 'deepest selection' }),
  MAX_QUERY_COMPLEXITY: positive({
    default: 50_000,
    desc: 'highest estimated cost (list fields multiply by `first` or by the gateway’s representations)',
  }),
  LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: positive({
    default: 100,
    desc: 'most operations one WebSocket connection may run at once (more are refused with `TOO_MANY_SUBSCRIPTIONS`)',
  }),
  GRAPHQL_EXECUTOR: text<'jit' | 'graphql-js'>({
    choices: ['jit', 'graphql-js'] as const,
    default: 'jit',
    desc: '`jit`: operations compiled by graphql-jit (graphql-js runs what it cannot compile); `graphql-js`: graphql-js alone',
  }),
  EXPLORER_ENABLED: flag({
    default: undefined,
    desc: 'GraphiQL on `GET /graphql` from a browser (default: on only with the development secret, never pre-filling a token otherwise)',
  }),
  OUTBOUND_ALLOWED_HOSTS: text({
    default: undefined,
    desc: 'comma-separated `host`, `host:port`, `[v6]:port` or CIDR that URLs configured by tenant admins (webhooks) may reach although internal; everything else private, loopback, link-local or metadata is refused',
  }),
} satisfies SettingsSpec;

export interface AuthConfig {
  /** HS256 secret; ignored when `jwksUrl` is set. */
  jwtSecret?: string;
  /** RS256/ES256 verification keys, fetched and cached from this endpoint. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export interface Limits {
  /** Largest accepted HTTP body, in bytes. */
  maxBodyBytes: number;
  /** Longest accepted GraphQL document, in UTF-8 bytes. */
  maxQueryBytes: number;
  /** Most lexical tokens in one GraphQL document. */
  maxQueryTokens: number;
  /** Most selections (fields, spreads, inline fragments) in one document once its fragments are expanded. */
  maxQuerySelections: number;
  /** Reads of the audit log are cancelled after this long (PostgreSQL `statement_timeout`); 0: never. */
  readStatementTimeoutMs: number;
  /** Deepest accepted selection set. */
  maxQueryDepth: number;
  /** Highest accepted estimated query cost (list fields multiply by their `first`). */
  maxQueryComplexity: number;
  /** Most operations one WebSocket connection may run at once. */
  maxSubscriptionsPerConnection: number;
}

export interface AppConfig {
  port: number;
  /** Idle keep-alive connections are closed after this long. */
  keepAliveTimeoutMs: number;
  /** Unset: the caller provides a database (an embedded one in development). */
  databaseUrl?: string;
  production: boolean;
  auth: AuthConfig;
  limits: Limits;
  logLevel: string;
  explorerEnabled: boolean;
  /** Internal hosts that URLs configured by tenant admins may reach all the same. */
  outbound: OutboundAllowList;
  /** What runs GraphQL operations. */
  executor: 'jit' | 'graphql-js';
  /** Every variable of every module, read once: each module takes its own with `settings.of(spec)`. */
  settings: Settings;
}

/** Only for development and tests: printed as a warning, refused in production. */
export const DEVELOPMENT_JWT_SECRET = 'audit-subgraph-development-secret-do-not-use-in-production';

/**
 * Reads the server's variables and the modules' at once.
 * @throws Error naming each malformed variable, or when production runs without a real JWT key.
 */
export function loadConfig(env: NodeJS.ProcessEnv, moduleSettings: readonly SettingsSpec[]): AppConfig {
  const settings = Settings.read(env, [serverSettings, ...moduleSettings]);
  const server = settings.of(serverSettings);
  const production = server.NODE_ENV === 'production';
  const jwksUrl = server.AUTH_JWKS_URL;
  let jwtSecret = server.AUTH_JWT_SECRET;
  if (!jwtSecret && !jwksUrl) {
    if (production) throw new Error('AUTH_JWT_SECRET or AUTH_JWKS_URL must be set when NODE_ENV=production');
    jwtSecret = DEVELOPMENT_JWT_SECRET;
  }
  // Anyone can sign with the published development secret, and the explorer hands out tokens signed with it.
  if (production && !jwksUrl && jwtSecret === DEVELOPMENT_JWT_SECRET)
    throw new Error('AUTH_JWT_SECRET must not be the development secret when NODE_ENV=production');
  return {
    port: server.PORT,
    keepAliveTimeoutMs: server.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    databaseUrl: server.DATABASE_URL,
    production,
    auth: { jwtSecret, jwksUrl, issuer: server.AUTH_ISSUER, audience: server.AUTH_AUDIENCE },
    limits: {
      maxBodyBytes: server.MAX_BODY_BYTES,
      maxQueryBytes: server.MAX_QUERY_BYTES,
      maxQueryTokens: server.MAX_QUERY_TOKENS,
      maxQuerySelections: server.MAX_QUERY_SELECTIONS,
      readStatementTimeoutMs: server.READ_STATEMENT_TIMEOUT_MS,
      maxQueryDepth: server.MAX_QUERY_DEPTH,
      maxQueryComplexity: server.MAX_QUERY_COMPLEXITY,
      maxSubscriptionsPerConnection: server.LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    },
    logLevel: server.LOG_LEVEL ?? (server.NODE_ENV === 'test' ? 'silent' : 'info'),
    explorerEnabled: server.EXPLORER_ENABLED ?? (!jwksUrl && jwtSecret === DEVELOPMENT_JWT_SECRET),
    outbound: parseOutboundAllowList(server.OUTBOUND_ALLOWED_HOSTS),
    executor: server.GRAPHQL_EXECUTOR,
    settings,
  };
}
