import { loadAlertsConfig, type AlertsConfig } from './alerts/alerts-config';
import { loadRevertSettings, type RevertSettings } from './revert/revert-settings';

/** Process settings, read once from the environment. See the README's configuration table. */
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
  /** Deepest accepted selection set. */
  maxQueryDepth: number;
  /** Highest accepted estimated query cost (list fields multiply by their `first`). */
  maxQueryComplexity: number;
  /** Reads of the audit log are cancelled after this long (PostgreSQL `statement_timeout`); 0: never. */
  readStatementTimeoutMs: number;
}

export interface AppConfig {
  port: number;
  /** Unset: an embedded PostgreSQL under `./.data/`. */
  databaseUrl?: string;
  production: boolean;
  auth: AuthConfig;
  limits: Limits;
  geoipDbPath?: string;
  alerts: AlertsConfig;
  logLevel: string;
  /** GraphiQL on `GET /graphql` from a browser (EXPLORER_ENABLED); default on unless NODE_ENV=production. */
  explorerEnabled: boolean;
  /** Per entity type endpoints that apply `revertAuditChange`. */
  revert: RevertSettings;
}

/** Only for development and tests: printed as a warning, refused in production. */
export const DEVELOPMENT_JWT_SECRET = 'audit-subgraph-development-secret-do-not-use-in-production';

const defaultLimits: Limits = {
  maxBodyBytes: 5 * 1024 * 1024,
  maxQueryBytes: 64 * 1024,
  maxQueryTokens: 10_000,
  maxQuerySelections: 2_000,
  maxQueryDepth: 12,
  maxQueryComplexity: 50_000,
  readStatementTimeoutMs: 10_000,
};

function intFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function booleanFromEnv(name: string, fallback: boolean, env: NodeJS.ProcessEnv): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new Error(`${name} must be true or false, got "${env[name]}"`);
}

/** @throws Error when a setting is malformed, or when production runs without a real JWT key. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const production = env.NODE_ENV === 'production';
  const jwksUrl = env.AUTH_JWKS_URL || undefined;
  let jwtSecret = env.AUTH_JWT_SECRET || undefined;
  if (!jwtSecret && !jwksUrl) {
    if (production) throw new Error('AUTH_JWT_SECRET or AUTH_JWKS_URL must be set when NODE_ENV=production');
    jwtSecret = DEVELOPMENT_JWT_SECRET;
  }
  return {
    port: intFromEnv('PORT', 4001, env),
    databaseUrl: env.DATABASE_URL || undefined,
    production,
    auth: { jwtSecret, jwksUrl, issuer: env.AUTH_ISSUER || undefined, audience: env.AUTH_AUDIENCE || undefined },
    limits: {
      maxBodyBytes: intFromEnv('MAX_BODY_BYTES', defaultLimits.maxBodyBytes, env),
      maxQueryBytes: intFromEnv('MAX_QUERY_BYTES', defaultLimits.maxQueryBytes, env),
      maxQueryTokens: intFromEnv('MAX_QUERY_TOKENS', defaultLimits.maxQueryTokens, env),
      maxQuerySelections: intFromEnv('MAX_QUERY_SELECTIONS', defaultLimits.maxQuerySelections, env),
      maxQueryDepth: intFromEnv('MAX_QUERY_DEPTH', defaultLimits.maxQueryDepth, env),
      maxQueryComplexity: intFromEnv('MAX_QUERY_COMPLEXITY', defaultLimits.maxQueryComplexity, env),
      readStatementTimeoutMs: intFromEnv('READ_STATEMENT_TIMEOUT_MS', defaultLimits.readStatementTimeoutMs, env),
    },
    geoipDbPath: env.GEOIP_DB_PATH || undefined,
    alerts: loadAlertsConfig(env),
    logLevel: env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    explorerEnabled: booleanFromEnv('EXPLORER_ENABLED', !production, env),
    revert: loadRevertSettings(env),
  };
}
