import type { AnyEntity, EntityClass, EntitySchema, MigrationObject } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Knex } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';

/** A configuration table's mapping: a decorated class or a schema. */
export type ModuleEntity = EntityClass<AnyEntity> | EntitySchema;

/** The PostgreSQL connection shared by every feature; the audit log itself is read and written through `knex`. */
export interface Database {
  orm: MikroORM;
  knex: Knex;
  /** Applies pending migrations; returns the names it ran. */
  migrate(): Promise<string[]>;
  /** True when the database answers and no migration is pending. */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  /** The modules' entity schemas (configuration tables). */
  entities: readonly ModuleEntity[];
  /** The modules' migrations, run in the order of their names. */
  migrations: readonly MigrationObject[];
  poolSize?: number;
  /** Where MikroORM's own messages (migrations applied) go. */
  log?: (message: string) => void;
}

/** @throws when the server cannot be reached. */
export async function openDatabase({
  url,
  entities,
  migrations,
  poolSize = 10,
  log = () => {},
}: DatabaseOptions): Promise<Database> {
  const orm = await MikroORM.init({
    clientUrl: url,
    entities: [...entities],
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: {
      migrationsList: [...migrations].sort((a, b) => a.name.localeCompare(b.name)),
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
    pool: { min: 0, max: poolSize },
    allowGlobalContext: false,
    logger: log,
    colors: false,
  });
  const knex = orm.em.getKnex();
  return {
    orm,
    knex,
    async migrate() {
      const applied = await orm.getMigrator().up();
      return applied.map((migration) => migration.name);
    },
    async isReady() {
      try {
        const pending = await orm.getMigrator().getPendingMigrations();
        return pending.length === 0;
      } catch {
        return false;
      }
    },
    close: () => orm.close(true),
  };
}
