import type { Knex } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/database';

// The rules that let the schema be distributed by tenant (Citus) without a redesign: a key that
// does not lead with tenant_id cannot be enforced on one shard, and a foreign key without it joins
// across shards. Checked on the migrated schema, whatever module a table comes from.

/** Tables of `public` the rules cover: partitions are covered by their parent, MikroORM's bookkeeping is not ours. */
const OUR_TABLES = `
  c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND c.relname <> 'mikro_orm_migrations'`;

/** "table: key (columns)" of each primary key and unique index whose first column is not tenant_id. */
async function keysNotLeadingWithTenant(knex: Knex | Knex.Transaction): Promise<string[]> {
  const { rows } = await knex.raw(`
    SELECT c.relname || ': ' || i.relname || ' (' || pg_get_indexdef(x.indexrelid, 0, true) || ')' AS key
    FROM pg_index x
    JOIN pg_class c ON c.oid = x.indrelid
    JOIN pg_class i ON i.oid = x.indexrelid
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = x.indkey[0]
    WHERE ${OUR_TABLES} AND (x.indisprimary OR x.indisunique) AND a.attname IS DISTINCT FROM 'tenant_id'
    ORDER BY 1`);
  return rows.map((row: { key: string }) => row.key);
}

async function tablesWithoutPrimaryKey(knex: Knex | Knex.Transaction): Promise<string[]> {
  const { rows } = await knex.raw(`
    SELECT c.relname FROM pg_class c
    WHERE ${OUR_TABLES} AND NOT EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = c.oid AND x.indisprimary)
    ORDER BY 1`);
  return rows.map((row: { relname: string }) => row.relname);
}

/** "table: constraint" of each foreign key that does not pair tenant_id with the referenced table's tenant_id. */
async function foreignKeysAcrossTenants(knex: Knex | Knex.Transaction): Promise<string[]> {
  const { rows } = await knex.raw(`
    SELECT c.relname || ': ' || f.conname AS key
    FROM pg_constraint f JOIN pg_class c ON c.oid = f.conrelid
    WHERE ${OUR_TABLES} AND f.contype = 'f' AND NOT EXISTS (
      SELECT 1 FROM unnest(f.conkey, f.confkey) AS k(own, referenced)
      JOIN pg_attribute o ON o.attrelid = f.conrelid AND o.attnum = k.own
      JOIN pg_attribute r ON r.attrelid = f.confrelid AND r.attnum = k.referenced
      WHERE o.attname = 'tenant_id' AND r.attname = 'tenant_id')
    ORDER BY 1`);
  return rows.map((row: { key: string }) => row.key);
}

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe('the migrated schema, distributable by tenant', () => {
  it('gives every table a primary key', async () => {
    expect(await tablesWithoutPrimaryKey(database.db.knex)).toEqual([]);
  });

  it('leads every primary key and unique index with tenant_id', async () => {
    expect(await keysNotLeadingWithTenant(database.db.knex)).toEqual([]);
  });

  it('carries tenant_id in every foreign key, to the referenced tenant_id', async () => {
    expect(await foreignKeysAcrossTenants(database.db.knex)).toEqual([]);
  });

  it('reports a table that breaks the rules (the checks are not vacuous)', async () => {
    await database.db.knex
      .transaction(async (trx) => {
        await trx.raw(`
          CREATE TABLE keyed_by_id (id uuid PRIMARY KEY, tenant_id text NOT NULL, code text UNIQUE);
          CREATE TABLE named (tenant_id text, name text, PRIMARY KEY (tenant_id, name));
          CREATE TABLE referring (tenant_id text, id uuid, label text, other uuid REFERENCES keyed_by_id (id),
            PRIMARY KEY (tenant_id, id),
            CONSTRAINT referring_crossed FOREIGN KEY (label, tenant_id) REFERENCES named (tenant_id, name));
          CREATE TABLE without_key (tenant_id text);`);
        expect(await keysNotLeadingWithTenant(trx)).toEqual([
          'keyed_by_id: keyed_by_id_code_key (CREATE UNIQUE INDEX keyed_by_id_code_key ON keyed_by_id USING btree (code))',
          'keyed_by_id: keyed_by_id_pkey (CREATE UNIQUE INDEX keyed_by_id_pkey ON keyed_by_id USING btree (id))',
        ]);
        expect(await foreignKeysAcrossTenants(trx)).toEqual([
          'referring: referring_crossed',
          'referring: referring_other_fkey',
        ]);
        expect(await tablesWithoutPrimaryKey(trx)).toEqual(['without_key']);
        throw new RolledBack();
      })
      .catch((err: unknown) => {
        if (!(err instanceof RolledBack)) throw err;
      });
  });
});

class RolledBack extends Error {}
