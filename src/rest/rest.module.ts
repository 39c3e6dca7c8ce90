import Redis from 'ioredis';
import type { AuditModule } from '../core/module';
import { liveSettings } from '../live/live-options';
import { createRateLimits, ensureRateLimitTable, RATE_LIMITS } from './rate-limits';
import { restRoutes } from './rest-routes';

/** The REST API (`/v1/audit-trail`...), answered through the GraphQL schema, with per-tenant rate limits. */
export const restModule: AuditModule = {
  name: 'rest',
  routes: restRoutes,
  async start({ config, db, services, logger }) {
    const { REDIS_URL } = config.settings.of(liveSettings);
    // The database's name keeps the counters of two deployments (or test runs) on one Redis apart.
    const namespace = `audit:${new URL(db.orm.config.getClientUrl()).pathname.slice(1) || 'default'}`;
    if (!REDIS_URL) {
      await ensureRateLimitTable(db.knex);
      services.provide(RATE_LIMITS, createRateLimits({ knex: db.knex }, namespace));
      return;
    }
    const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, lazyConnect: true });
    redis.on('error', (err) => logger.warn({ err }, 'rest: the rate-limit Redis connection failed'));
    await redis.connect();
    services.provide(RATE_LIMITS, createRateLimits({ redis }, namespace));
    return {
      async stop() {
        redis.disconnect();
      },
    };
  },
};
