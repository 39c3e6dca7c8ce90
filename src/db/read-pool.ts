import { knex, type Knex } from '@mikro-orm/postgresql';
import { QueryTimeoutError } from '../errors';

export interface PoolOptions {
  size: number;
  /** Tells this pool's sessions apart in pg_stat_activity. */
  applicationName: string;
  /**
   * PostgreSQL cancels any statement of the pool that runs longer (`statement_timeout`), and the
   * caller gets QUERY_TIMEOUT; 0: never.
   */
  statementTimeoutMs?: number;
}

/** PostgreSQL's SQLSTATE for a statement cancelled by `statement_timeout` (or by a cancel request). */
const QUERY_CANCELED = '57014';

/**
 * The shared pool's client, reporting a cancelled statement as QUERY_TIMEOUT where knex runs every
 * query: the error reaches each caller (resolvers, loaders, any executor) already coded.
 */
function reportingTimeouts(shared: Knex, timeoutMs: number): typeof Knex.Client {
  const SharedClient = shared.client.constructor as typeof Knex.Client;
  return class extends SharedClient {
    override query(connection: unknown, query: unknown): Promise<unknown> {
      return super.query(connection, query).catch((error: unknown) => {
        const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
        throw code === QUERY_CANCELED ? new QueryTimeoutError(timeoutMs) : error;
      });
    }
  };
}

/**
 * A pool of its own with the shared pool's settings (and so its type parsing). The timeout is a
 * setting of each of its sessions, so no statement of the pool escapes it and no other pool has it.
 * Destroy the pool when done.
 */
export function openPoolLike(shared: Knex, { size, applicationName, statementTimeoutMs = 0 }: PoolOptions): Knex {
  const config = shared.client.config as Knex.Config;
  if (!config.connection || typeof config.connection !== 'object')
    throw new Error('the shared pool has no connection settings to copy');
  const connection = { ...config.connection, application_name: applicationName };
  if (statementTimeoutMs === 0) return knex({ ...config, connection, pool: { min: 0, max: size } });
  return knex({
    ...config,
    client: reportingTimeouts(shared, statementTimeoutMs),
    connection: { ...connection, statement_timeout: statementTimeoutMs },
    pool: { min: 0, max: size },
  });
}
