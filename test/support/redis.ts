import { TEST_REDIS_URL } from './redis-probe';

export { TEST_REDIS_URL };

/** Whether a Redis answered PING when the run started: set by ./global-setup.ts, read by the test files. */
export const redisAvailable = process.env.TEST_REDIS_AVAILABLE === '1';

/** `describe` when Redis is there, `describe.skip` otherwise: jest then reports these tests skipped, not passed. */
export const describeWithRedis: jest.Describe = redisAvailable ? describe : describe.skip;
