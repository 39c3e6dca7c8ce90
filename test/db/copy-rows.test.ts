import { copyJson, copyRows, copyText, textArrayLiteral } from '../../src/db/copy-rows';
import { connectionOf } from '../../src/db/transaction-connection';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.knex.raw('CREATE TABLE copied (label text, tags text[], doc jsonb)');
});
afterAll(() => database.drop());

describe('copyRows', () => {
  it('copies rows in the text format inside the transaction, escapes and NULLs intact', async () => {
    const { knex } = database.db;
    const label = 'tab\there\nnew line \\ backslash \\N';
    const doc = { k: 'v\\w', text: 'line\nbreak\ttab \\N "quoted"', nested: [{ '\\': null }] };
    await knex.transaction(async (trx) =>
      copyRows(
        await connectionOf(trx),
        'copied',
        ['label', 'tags', 'doc'],
        `${copyText(label)}\t${copyText(textArrayLiteral(['a "b"', 'c\\d', '{e}']))}\t${copyJson(JSON.stringify(doc))}\n` +
          `${copyText(null)}\t${copyText(null)}\t${copyText(null)}\n`,
      ),
    );
    const { rows } = await knex.raw('SELECT label, tags, doc FROM copied ORDER BY label NULLS LAST');
    expect(rows).toEqual([
      { label, tags: ['a "b"', 'c\\d', '{e}'], doc },
      { label: null, tags: null, doc: null },
    ]);
  });

  it('copies items through their line, whatever the lines’ sizes and characters', async () => {
    const { knex } = database.db;
    const labels = ['item short', `item ${'é'.repeat(5000)}`, `item ${'😀'.repeat(3000)} end`, 'item last'];
    await knex.transaction(async (trx) =>
      copyRows(
        await connectionOf(trx),
        'copied',
        ['label', 'tags', 'doc'],
        labels,
        (label) => `${copyText(label)}\t\\N\t\\N\n`,
      ),
    );
    const { rows } = await knex.raw(`SELECT label FROM copied WHERE label LIKE 'item %'`);
    expect(rows.map((row: { label: string }) => row.label).sort()).toEqual([...labels].sort());
  });

  it('rejects with PostgreSQL’s error, rolls the transaction back and leaves the pool usable', async () => {
    const { knex } = database.db;
    const before = (await knex.raw('SELECT count(*)::int AS n FROM copied')).rows[0].n;
    const failing = knex.transaction(async (trx) => {
      await trx.raw(`INSERT INTO copied (label) VALUES ('in the same transaction')`);
      await copyRows(await connectionOf(trx), 'copied', ['label', 'tags', 'doc'], 'ok\t{}\tnot json\n');
    });
    await expect(failing).rejects.toThrow(/json/i);
    // Every connection of the pool still answers (a connection left mid-COPY would not).
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => knex.raw('SELECT count(*)::int AS n FROM copied')),
    );
    expect(answers.map((answer) => answer.rows[0].n)).toEqual(Array(12).fill(before));
  });
});
