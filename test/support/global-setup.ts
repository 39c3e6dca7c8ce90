/**
 * Decides which PostgreSQL server the test run uses and publishes its admin URL to the
 * test files as TEST_DATABASE_SERVER_URL: TEST_DATABASE_URL or DATABASE_URL when set.
 */
export default async function globalSetup(): Promise<void> {
  const given = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!given) throw new Error('set TEST_DATABASE_URL (embedded PostgreSQL for tests is not wired yet)');
  process.env.TEST_DATABASE_SERVER_URL = given;
}
