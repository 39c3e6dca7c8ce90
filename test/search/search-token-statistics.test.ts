import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const targetsOf = async (relation: string) =>
  (
    await database.db.knex.raw(
      `SELECT attstattarget AS target FROM pg_attribute WHERE attrelid = ?::regclass AND attname = 'search_tokens'`,
      [relation],
    )
  ).rows[0].target;

describe('statistics of search_tokens', () => {
  it('are finer than the default on the table and on the partitions made by the migrations', async () => {
    const { rows } = await database.db.knex.raw(
      `SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = 'audit_events'::regclass`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(await targetsOf('audit_events')).toBe(1000);
    for (const { name } of rows) expect(await targetsOf(name)).toBe(1000);
  });

  it('are given to a month partition created later, as for an import of old events', async () => {
    const { rows } = await database.db.knex.raw(`SELECT audit_ensure_partition('2003-05-17T12:00:00Z') AS name`);
    expect(rows[0].name).toBe('audit_events_2003_05');
    expect(await targetsOf('audit_events_2003_05')).toBe(1000);
    // Asking again for a month that exists changes nothing.
    expect(
      (await database.db.knex.raw(`SELECT audit_ensure_partition('2003-05-01T00:00:00Z') AS name`)).rows[0].name,
    ).toBe('audit_events_2003_05');
  });
});
