import type { EntityMetadata } from '@mikro-orm/core';
import { createTestDatabase, type TestDatabase } from '../support/database';

// The configuration tables are written by hand in the migrations and mapped by hand in MikroORM:
// nothing else keeps the two together. Each entity is checked against the migrated schema.

interface Column {
  name: string;
  type: string;
  notNull: boolean;
  hasDefault: boolean;
}

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

async function columnsOf(table: string): Promise<Map<string, Column>> {
  const { rows } = await database.db.knex.raw(
    `SELECT attname AS name, atttypid::regtype::text AS type, attnotnull AS "notNull", atthasdef AS "hasDefault"
     FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped`,
    [`public.${table}`],
  );
  return new Map((rows as Column[]).map((column) => [column.name, column]));
}

async function primaryKeyOf(table: string): Promise<string[]> {
  const { rows } = await database.db.knex.raw(
    `SELECT a.attname FROM pg_index x, unnest(x.indkey) WITH ORDINALITY AS k(attnum, position)
     JOIN pg_attribute a ON a.attrelid = to_regclass(?) AND a.attnum = k.attnum
     WHERE x.indrelid = to_regclass(?) AND x.indisprimary ORDER BY k.position`,
    [`public.${table}`, `public.${table}`],
  );
  return rows.map((row: { attname: string }) => row.attname);
}

/** The type PostgreSQL gives the column type the ORM declares (`int` → `integer`, length modifiers dropped). */
async function canonicalType(declared: string): Promise<string> {
  const { rows } = await database.db.knex.raw('SELECT ?::regtype::text AS type', [declared]);
  return (rows as Array<{ type: string }>)[0].type;
}

/** Every way the entity and its table disagree, as readable lines. */
async function mismatches(meta: EntityMetadata): Promise<string[]> {
  const columns = await columnsOf(meta.tableName);
  if (columns.size === 0) return [`${meta.className}: no table ${meta.tableName}`];
  const found: string[] = [];
  const mapped = new Set<string>();
  for (const prop of meta.props.filter((p) => p.persist !== false)) {
    for (const [i, field] of prop.fieldNames.entries()) {
      mapped.add(field);
      const column = columns.get(field);
      const where = `${meta.className}.${prop.name} (${meta.tableName}.${field})`;
      if (!column) {
        found.push(`${where}: no such column`);
        continue;
      }
      const declared = await canonicalType(prop.columnTypes[i]);
      if (declared !== column.type) found.push(`${where}: the ORM says ${declared}, the table ${column.type}`);
      if (Boolean(prop.nullable) === column.notNull)
        found.push(`${where}: the ORM says ${prop.nullable ? 'nullable' : 'not null'}, the table the opposite`);
    }
  }
  for (const column of columns.values())
    if (column.notNull && !column.hasDefault && !mapped.has(column.name))
      found.push(`${meta.className}: ${meta.tableName}.${column.name} is required but not mapped`);
  const ormKey = meta.primaryKeys.flatMap((name) => meta.properties[name].fieldNames);
  const tableKey = await primaryKeyOf(meta.tableName);
  if (ormKey.join() !== tableKey.join())
    found.push(
      `${meta.className}: primary key (${ormKey.join(', ')}) in the ORM, (${tableKey.join(', ')}) in the table`,
    );
  return found;
}

describe('ORM entities against the migrated schema', () => {
  it('maps configuration tables only', () => {
    const tables = Object.values(database.db.orm.getMetadata().getAll()).map((meta) => meta.tableName);
    expect(tables.sort()).toEqual([
      'alert_rules',
      'alerts',
      'audit_roles',
      'audit_streams',
      'personal_fields',
      'saved_filters',
    ]);
  });

  it('maps every property to a column of its type and nullability, with the table’s primary key', async () => {
    const found: string[] = [];
    for (const meta of Object.values(database.db.orm.getMetadata().getAll())) found.push(...(await mismatches(meta)));
    expect(found).toEqual([]);
  });
});
