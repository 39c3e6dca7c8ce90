import { Client } from 'pg';
import { openAuditDatabase } from '../../src/modules';
import { CRM_ENTITY_TYPES } from '../../src/history/crm-entity-types';
import { createDatabase, databaseExists, databaseUrl, dropDatabase } from '../support/postgres';
import { fmtInt, intFromEnv, nowMs } from '../support/stats';
import { copyGeneratedEvents } from './generated-events';

/** The shape of a generated dataset: one tenant's events over its records, plus a neighbour tenant's. */
export interface DatasetSpec {
  version: number;
  tenant: string;
  events: number;
  otherTenant: string;
  otherEvents: number;
  entities: number;
  months: number;
}

/** What the history bench reads: a tenant with 1M events over 50k records, plus a neighbour tenant. */
export const DATASET: DatasetSpec = {
  /** Bumped whenever the generated data changes: an older database is then rebuilt. */
  version: 5,
  tenant: 'acme',
  events: 1_000_000,
  otherTenant: 'globex',
  otherEvents: 100_000,
  /** Records of the CRM types, spread evenly: record n is of type CRM_ENTITY_TYPES[n % 9]. */
  entities: 50_000,
  /** Calendar months of partitions the events span (this one and the ones before it). */
  months: 3,
};

/** `${type}-${n}` in lower case, as the loader stores `entity_id`. */
export const entityId = (n: number) => `${CRM_ENTITY_TYPES[n % CRM_ENTITY_TYPES.length].toLowerCase()}-${n}`;

/** The ids of the dataset's Leads (record numbers ≡ 0 mod 9). */
export function leadIds(): string[] {
  const ids: string[] = [];
  for (let n = 0; n < DATASET.entities; n += CRM_ENTITY_TYPES.length) ids.push(entityId(n));
  return ids;
}

export interface DatasetInfo {
  database: string;
  reused: boolean;
  totalEvents: number;
  tenantEvents: number;
  partitions: string[];
  sizePretty: string;
}

async function readMeta(client: Client): Promise<DatasetSpec | null> {
  const { rows } = await client
    .query(`SELECT value FROM bench_meta WHERE key = 'dataset' AND to_regclass('bench_meta') IS NOT NULL`)
    .catch(() => ({ rows: [] as Array<{ value: DatasetSpec }> }));
  return rows[0]?.value ?? null;
}

const sameSpec = (stored: DatasetSpec, spec: DatasetSpec) =>
  (Object.keys(spec) as Array<keyof DatasetSpec>).every((key) => stored[key] === spec[key]);

/**
 * Makes sure `name` holds the dataset: reuses it when a complete load of this version is there
 * (and BENCH_HISTORY_RELOAD is not 1), else (re)creates the database and loads it.
 */
export async function ensureDataset(
  name: string,
  log: (line: string) => void,
  spec: DatasetSpec = DATASET,
  reload = process.env.BENCH_HISTORY_RELOAD === '1',
): Promise<DatasetInfo> {
  const url = databaseUrl(name);
  let reused = false;
  if (!reload && (await databaseExists(name))) {
    const client = new Client({ connectionString: url });
    await client.connect();
    const meta = await readMeta(client);
    await client.end();
    if (meta && sameSpec(meta, spec)) reused = true;
    else log(`database ${name} exists without a complete dataset of version ${spec.version}: rebuilding it`);
  }
  if (!reused) {
    await dropDatabase(name);
    await createDatabase(name);
    await load(url, log, spec);
  }
  // Migrations added since the load run now (the server would run them at start anyway).
  const db = await openAuditDatabase({ url });
  await db.migrate();
  await db.close();

  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const total = await client.query(
      `SELECT (value->>'totalEvents')::bigint AS n FROM bench_meta WHERE key = 'dataset'`,
    );
    const partitions = await client.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'audit_events'::regclass ORDER BY 1`,
    );
    const size = await client.query(`SELECT pg_size_pretty(pg_database_size(current_database())) AS size`);
    return {
      database: name,
      reused,
      totalEvents: Number(total.rows[0].n),
      tenantEvents: spec.events,
      partitions: partitions.rows.map((row) => row.relname),
      sizePretty: size.rows[0].size,
    };
  } finally {
    await client.end();
  }
}

/** Connections copying batches (and then building indexes) side by side (BENCH_LOAD_WORKERS). */
const LOAD_WORKERS = intFromEnv('BENCH_LOAD_WORKERS', 2);

/**
 * Loads the events as the write path stores them (`copyGeneratedEvents`: every column, search tokens
 * and a valid hash chain included), copied over `LOAD_WORKERS` connections, the secondary indexes of
 * `audit_events` dropped meanwhile and built again from their own definitions afterwards (one sorted
 * build each instead of millions of insertions).
 */
async function load(url: string, log: (line: string) => void, spec: DatasetSpec): Promise<void> {
  const db = await openAuditDatabase({ url });
  await db.migrate();
  await db.close();

  const client = new Client({ connectionString: url });
  await client.connect();
  const started = nowMs();
  const elapsed = () => `${((nowMs() - started) / 1000).toFixed(0)} s`;
  try {
    const { rows } = await client.query(
      `SELECT date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(months => $1::int - 1) AS start,
              now() - interval '1 minute' AS "end"`,
      [spec.months],
    );
    const { start, end } = rows[0] as { start: Date; end: Date };
    for (let m = 0; m < spec.months; m++)
      await client.query(`SELECT audit_ensure_partition($1::timestamptz + make_interval(months => $2::int))`, [
        start,
        m,
      ]);
    const indexes = await client.query(
      `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = 'audit_events'::regclass AND NOT i.indisprimary`,
    );
    for (const index of indexes.rows) await client.query(`DROP INDEX ${index.name}`);
    log(`loading ${fmtInt(spec.events + spec.otherEvents)} events from ${start.toISOString()} to ${end.toISOString()}`);

    const connections = await Promise.all(
      Array.from({ length: LOAD_WORKERS }, async () => {
        const connection = new Client({ connectionString: url });
        await connection.connect();
        await connection.query(`SET synchronous_commit = off`);
        return connection;
      }),
    );
    try {
      for (const [tenant, total] of [
        [spec.tenant, spec.events],
        [spec.otherTenant, spec.otherEvents],
      ] as const) {
        const step = Math.max(1, Math.round(total / 10));
        let reported = 0;
        const head = await copyGeneratedEvents(
          connections,
          { tenant, total, entities: spec.entities, start, end },
          (done) => {
            if (done - reported < step && done !== total) return;
            reported = done;
            log(`  ${tenant}: ${fmtInt(done)} / ${fmtInt(total)} (${elapsed()})`);
          },
        );
        await client.query(
          `INSERT INTO audit_log_heads (tenant_id, last_sequence, last_hash, last_recorded_at)
           VALUES ($1, $2::bigint, decode($3, 'hex'), $4)`,
          [tenant, head.sequence.toString(), head.hash, head.recordedAt],
        );
      }
      const queue = [...indexes.rows];
      await Promise.all(
        connections.map(async (connection) => {
          await connection.query(`SET maintenance_work_mem = '512MB'`);
          for (let index = queue.shift(); index; index = queue.shift()) {
            log(`  building ${index.name} (${elapsed()})`);
            await connection.query(String(index.definition).replace(' ON ONLY ', ' ON '));
          }
        }),
      );
    } finally {
      await Promise.all(connections.map((connection) => connection.end()));
    }
    log(`VACUUM (ANALYZE) (${elapsed()})`);
    await client.query('VACUUM (ANALYZE) audit_events');
    await client.query('VACUUM (ANALYZE) audit_event_keys');
    await client.query('VACUUM (ANALYZE) audit_log_heads');
    await client.query(`CREATE TABLE bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)`);
    await client.query(`INSERT INTO bench_meta VALUES ('dataset', $1)`, [
      JSON.stringify({
        ...spec,
        totalEvents: spec.events + spec.otherEvents,
        loadedAt: new Date().toISOString(),
        loadSeconds: Math.round((nowMs() - started) / 1000),
      }),
    ]);
    log(`loaded in ${elapsed()}`);
  } finally {
    await client.end();
  }
}
