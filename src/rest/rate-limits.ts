import type { Knex } from '@mikro-orm/postgresql';
import type Redis from 'ioredis';
import { RateLimiterPostgres, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { serviceKey } from '../core/context';

/** The REST API's endpoint classes, each with its own limit per tenant. */
export enum EndpointClass {
  List = 'list',
  Single = 'single',
  Export = 'export',
}

export interface RatePolicy {
  limit: number;
  windowSeconds: number;
}

/** The contract's limits: lists, stats and entity histories; single events; exports. */
export const RATE_POLICIES: Record<EndpointClass, RatePolicy> = {
  [EndpointClass.List]: { limit: 100, windowSeconds: 60 },
  [EndpointClass.Single]: { limit: 1000, windowSeconds: 60 },
  [EndpointClass.Export]: { limit: 10, windowSeconds: 3600 },
};

export interface RateDecision {
  allowed: boolean;
  policy: RatePolicy;
  remaining: number;
  /** Seconds until the window ends (and the quota is whole again). */
  resetSeconds: number;
  /** True for the first refusal of the tenant and class in a window, on any replica: it is recorded. */
  firstRefusal: boolean;
}

export interface RateLimits {
  consume(tenantId: string, endpointClass: EndpointClass): Promise<RateDecision>;
}

export const RATE_LIMITS = serviceKey<RateLimits>('rest.rate-limits');

type Store = { redis: Redis } | { knex: Knex };

const RATE_LIMIT_TABLE = 'rest_rate_limits';

/**
 * rate-limiter-flexible's own table (its columns, keyed by its `key`, which begins with the tenant),
 * created here once under a lock: replicas starting together would otherwise race to create it.
 * Not a migration: it holds counters of the current windows only, and is not distributed with the
 * tenants' data (in a Citus deployment, use REDIS_URL).
 */
export async function ensureRateLimitTable(knex: Knex): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.raw(`SELECT pg_advisory_xact_lock(hashtext(?))`, [RATE_LIMIT_TABLE]);
    await trx.raw(
      `CREATE TABLE IF NOT EXISTS ${RATE_LIMIT_TABLE} (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`,
    );
  });
}

function limiter(store: Store, keyPrefix: string, points: number, duration: number): RateLimiterAbstract {
  if ('redis' in store) return new RateLimiterRedis({ storeClient: store.redis, keyPrefix, points, duration });
  return new RateLimiterPostgres({
    storeClient: store.knex,
    storeType: 'knex',
    tableName: RATE_LIMIT_TABLE,
    tableCreated: true,
    keyPrefix,
    points,
    duration,
  });
}

/**
 * Fixed windows per tenant and class, counted in Redis or in PostgreSQL (rate-limiter-flexible),
 * so every replica counts against the same quota. A second limiter of one point a window tells
 * the first refusal apart: refusals are recorded once per tenant, class and window.
 */
export function createRateLimits(store: Store, namespace: string): RateLimits {
  const counters = new Map<EndpointClass, { calls: RateLimiterAbstract; refusals: RateLimiterAbstract }>();
  for (const [endpointClass, policy] of Object.entries(RATE_POLICIES) as Array<[EndpointClass, RatePolicy]>)
    counters.set(endpointClass, {
      calls: limiter(store, `${namespace}:rest:${endpointClass}`, policy.limit, policy.windowSeconds),
      refusals: limiter(store, `${namespace}:rest-refused:${endpointClass}`, 1, policy.windowSeconds),
    });
  return {
    async consume(tenantId, endpointClass) {
      const policy = RATE_POLICIES[endpointClass];
      const { calls, refusals } = counters.get(endpointClass)!;
      try {
        const result = await calls.consume(tenantId);
        return decision(true, policy, result, false);
      } catch (outcome) {
        if (!(outcome instanceof RateLimiterRes)) throw outcome;
        const first = await refusals.consume(tenantId).then(
          () => true,
          (refused: unknown) => {
            if (refused instanceof RateLimiterRes) return false;
            throw refused;
          },
        );
        return decision(false, policy, outcome, first);
      }
    },
  };
}

function decision(allowed: boolean, policy: RatePolicy, result: RateLimiterRes, firstRefusal: boolean): RateDecision {
  return {
    allowed,
    policy,
    remaining: Math.max(0, result.remainingPoints),
    resetSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)),
    firstRefusal,
  };
}
