import { Client } from 'pg';
import { openAuditDatabase } from '../../src/modules';
import { CRM_ENTITY_TYPES } from '../../src/history/crm-entity-types';
import { createDatabase, databaseExists, databaseUrl, dropDatabase } from '../support/postgres';
import { fmtInt, intFromEnv, nowMs } from '../support/stats';
import { searchTokensOf } from '../../src/search/search-tokens';

/** The shape of a generated dataset: one tenant's events over its records, plus a neighbour tenant's. */
export interface DatasetSpec {
  version: number;
  tenant: string;
  events: number;
  otherTenant: string;
  otherEvents: number;
  entities: number;
  months: number;
  chunk: number;
}

/** What the history bench reads: a tenant with 1M events over 50k records, plus a neighbour tenant. */
export const DATASET: DatasetSpec = {
  /** Bumped whenever the generated data changes: an older database is then rebuilt. */
  version: 3,
  tenant: 'acme',
  events: 1_000_000,
  otherTenant: 'globex',
  otherEvents: 100_000,
  /** Records of the CRM types, spread evenly: record n is of type CRM_ENTITY_TYPES[n % 9]. */
  entities: 50_000,
  /** Calendar months of partitions the events span (this one and the ones before it). */
  months: 3,
  /** Events per INSERT statement. */
  chunk: 50_000,
};

/** `${type}-${n}` in lower case, as the loader stores `entity_id`. */
export const entityId = (n: number) => `${CRM_ENTITY_TYPES[n % CRM_ENTITY_TYPES.length].toLowerCase()}-${n}`;

/** The ids of the dataset's Leads (record numbers ≡ 0 mod 9). */
export function leadIds(): string[] {
  const ids: string[] = [];
  for (let n = 0; n < DATASET.entities; n += CRM_ENTITY_TYPES.length) ids.push(entityId(n));
  return ids;
}

/**
 * One chunk of a tenant's events, generated in SQL: rows i in [lo, hi] of `total`, evenly spread in time
 * from `start` to `end` (so that `sequence` rises with `occurred_at`), each record getting every
 * (entities)-th event. 80% UPDATE with 3 to 5 field changes, 10% CREATE, 10% VIEW (no change).
 * The hash is dummy bytes (sha256 of the sequence); the key's fingerprint likewise. `search_tokens`
 * are spelled out from the generated values as `searchTokensOf` (src/search) would write them: making
 * ten million events in Node cost a minute of CPU per million on this machine, in SQL a fraction;
 * `checkSearchTokens` compares a sample with the service's tokeniser after the load.
 */
const INSERT_CHUNK = `
WITH src AS (
  SELECT g.i,
         $1::text AS tenant_id,
         $2::timestamptz + (g.i - 1) * (($3::timestamptz - $2::timestamptz) / $4::int) AS occurred_at,
         ((g.i * 7919) % $5::int)::int AS entity_no,
         ((g.i + g.i / $5::int) % 500)::int AS user_no,
         CASE (g.i + g.i / $5::int) % 10 WHEN 0 THEN 'CREATE' WHEN 1 THEN 'VIEW' ELSE 'UPDATE' END AS action
  FROM generate_series($6::bigint, $7::bigint) AS g(i)
), shaped AS (
  SELECT s.*,
         ($8::text[])[s.entity_no % array_length($8::text[], 1) + 1] AS entity_type,
         CASE s.action
           WHEN 'VIEW' THEN '[]'::jsonb
           ELSE jsonb_build_array(
                  jsonb_build_object('field', 'status',
                    'oldValue', CASE WHEN s.action = 'CREATE' THEN NULL ELSE (ARRAY['New','Working','Nurturing','Qualified','Unqualified'])[s.i % 5 + 1] END,
                    'newValue', (ARRAY['New','Working','Nurturing','Qualified','Unqualified'])[(s.i + 1) % 5 + 1]),
                  jsonb_build_object('field', 'amount',
                    'oldValue', CASE WHEN s.action = 'CREATE' THEN NULL ELSE (s.i % 997) * 100 END,
                    'newValue', (s.i % 997) * 100 + 250),
                  jsonb_build_object('field', 'owner.id',
                    'oldValue', CASE WHEN s.action = 'CREATE' THEN NULL ELSE 'user-' || (s.i % 311) END,
                    'newValue', 'user-' || ((s.i + 7) % 311)))
                || CASE WHEN s.i % 3 > 0 THEN jsonb_build_array(jsonb_build_object('field', 'address.city',
                     'oldValue', (ARRAY['Lyon','Berlin','Austin','Osaka'])[s.i % 4 + 1],
                     'newValue', (ARRAY['Lyon','Berlin','Austin','Osaka'])[(s.i + 1) % 4 + 1])) ELSE '[]'::jsonb END
                || CASE WHEN s.i % 3 = 2 THEN jsonb_build_array(jsonb_build_object('field', 'description',
                     'oldValue', 'Initial discovery call done; waiting for the technical evaluation.',
                     'newValue', 'Technical evaluation scheduled with their IT team (' || (s.i % 1000) || ' seats).')) ELSE '[]'::jsonb END
         END AS changes
  FROM src s
), inserted AS (
  INSERT INTO audit_events (tenant_id, sequence, id, occurred_at, recorded_at, actor_id, actor_email, actor_role,
    actor_type, impersonator_id, action, category, entity_type, entity_id, changes, changed_fields, source,
    ip_address, user_agent, session_id, location, metadata, hash, search_tokens)
  SELECT x.tenant_id, x.i, md5(x.tenant_id || ':' || x.i)::uuid, x.occurred_at, x.occurred_at + interval '40 milliseconds',
         'user-' || x.user_no, 'user.' || x.user_no || '@' || x.tenant_id || '.example.com',
         (ARRAY['SALES_REP','SALES_MANAGER','ACCOUNT_EXECUTIVE'])[x.user_no % 3 + 1], 'USER', NULL,
         x.action, CASE x.action WHEN 'VIEW' THEN 'DATA_ACCESS' ELSE 'RECORD_CHANGE' END,
         x.entity_type, lower(x.entity_type) || '-' || x.entity_no, x.changes,
         ARRAY(SELECT jsonb_array_elements(x.changes) ->> 'field'),
         CASE WHEN x.i % 5 = 0 THEN 'API' ELSE 'UI' END,
         ('10.' || (x.user_no % 250) || '.' || (x.i % 250) || '.' || (x.i % 200 + 1))::inet,
         (ARRAY['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
                'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15'])[x.i % 2 + 1],
         'sess-' || (x.i / 40), NULL,
         jsonb_build_object('requestId', md5(x.i::text), 'client', 'web', 'route', '/' || lower(x.entity_type) || 's/' || x.entity_no),
         sha256(int8send(x.i::bigint)),
         ARRAY['u:user-' || x.user_no, 'm:user.' || x.user_no || '@' || x.tenant_id || '.example.com', 'm:user.' || x.user_no,
               'r:' || lower((ARRAY['SALES_REP','SALES_MANAGER','ACCOUNT_EXECUTIVE'])[x.user_no % 3 + 1]), 'a:' || x.action,
               'c:' || CASE x.action WHEN 'VIEW' THEN 'DATA_ACCESS' ELSE 'RECORD_CHANGE' END,
               's:' || CASE WHEN x.i % 5 = 0 THEN 'API' ELSE 'UI' END, 'e:' || lower(x.entity_type),
               'i:' || lower(x.entity_type) || '-' || x.entity_no, 'n:sess-' || (x.i / 40)]
           || ARRAY(SELECT 'f:' || (c ->> 'field') FROM jsonb_array_elements(x.changes) AS c)
           || ARRAY(SELECT v.token FROM jsonb_array_elements(x.changes) AS c,
                      LATERAL (VALUES ('o:' || lower(coalesce(c ->> 'oldValue', 'null'))),
                                      ('v:' || lower(coalesce(c ->> 'newValue', 'null')))) AS v(token))
  FROM shaped x
  RETURNING id, tenant_id, occurred_at
)
INSERT INTO audit_event_keys (id, tenant_id, occurred_at, fingerprint)
SELECT id, tenant_id, occurred_at, sha256(uuid_send(id)) FROM inserted`;

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
  (Object.keys(spec) as Array<keyof DatasetSpec>).every((key) => key === 'chunk' || stored[key] === spec[key]);

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

/** Connections loading chunks (and then building indexes) side by side (BENCH_LOAD_WORKERS). */
const LOAD_WORKERS = intFromEnv('BENCH_LOAD_WORKERS', 2);

/**
 * Loads the events, `LOAD_WORKERS` connections taking chunks in turn, the secondary
 * indexes of `audit_events` dropped meanwhile and built again from their own definitions afterwards
 * (one sorted build each instead of millions of insertions).
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
        let next = 1;
        await Promise.all(
          connections.map(async (connection) => {
            while (next <= total) {
              const lo = next;
              const hi = Math.min(total, lo + spec.chunk - 1);
              next = hi + 1;
              await connection.query(INSERT_CHUNK, [
                tenant,
                start,
                end,
                total,
                spec.entities,
                lo,
                hi,
                CRM_ENTITY_TYPES,
              ]);
              if (hi % (spec.chunk * 10) === 0 || hi === total)
                log(`  ${tenant}: ${fmtInt(hi)} / ${fmtInt(total)} (${elapsed()})`);
            }
          }),
        );
        await client.query(
          `INSERT INTO audit_log_heads (tenant_id, last_sequence, last_hash, last_recorded_at)
           SELECT $1, $2::bigint, sha256(int8send($2::bigint)), max(recorded_at) FROM audit_events WHERE tenant_id = $1`,
          [tenant, total],
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
    await checkSearchTokens(client, spec);
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

/** @throws when sampled events' stored tokens are not what the service's tokeniser makes of them. */
async function checkSearchTokens(client: Client, spec: DatasetSpec): Promise<void> {
  const sequences = Array.from({ length: 2_000 }, (_, k) => 1 + Math.floor((k * spec.events) / 2_000));
  const { rows } = await client.query(
    `SELECT sequence, actor_id, actor_email, actor_role, action, category, source, entity_type, entity_id,
            session_id, changes, search_tokens FROM audit_events WHERE tenant_id = $1 AND sequence = ANY($2::bigint[])`,
    [spec.tenant, sequences],
  );
  for (const row of rows) {
    const expected = searchTokensOf({
      actorId: row.actor_id,
      actorEmail: row.actor_email,
      actorRole: row.actor_role,
      action: row.action,
      category: row.category,
      source: row.source,
      entityType: row.entity_type,
      entityId: row.entity_id,
      sessionId: row.session_id,
      changes: row.changes,
    }).sort();
    const stored = [...(row.search_tokens as string[])].sort();
    if (expected.join('\n') !== stored.join('\n'))
      throw new Error(
        `event ${row.sequence}: stored tokens ${JSON.stringify(stored)}, the service's ${JSON.stringify(expected)}`,
      );
  }
}
