/**
 * Imported first by every bench entry point: libraries read NODE_ENV when they load (graphql-js
 * skips its development-only `instanceOf` checks in production), and a production server runs
 * with NODE_ENV=production. Set BENCH_NODE_ENV to measure under another value.
 */
process.env.NODE_ENV = process.env.BENCH_NODE_ENV || 'production';
