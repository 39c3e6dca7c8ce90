import { Client } from 'pg';
import { openAuditDatabase } from '../../src/modules';
import { createDatabase, databaseExists, databaseUrl, dropDatabase } from '../support/postgres';
import { fmtInt, nowMs } from '../support/stats';

/** 1,000,000 events of one tenant spread evenly over the 30 days before the load, plus a neighbour tenant. */
export const STATS_DATASET = {
  version: 1,
  tenant: 'acme',
  events: 1_000_000,
  otherEvents: 100_000,
  days: 30,
  chunk: 250_000,
};

/** Actions with their categories, weighted by repetition; the rows cycle through them. */
const ACTIONS = `(VALUES ('UPDATE','RECORD_CHANGE'),('UPDATE','RECORD_CHANGE'),('UPDATE','RECORD_CHANGE'),('VIEW','DATA_ACCESS'),
  ('VIEW','DATA_ACCESS'),('CREATE','RECORD_CHANGE'),('LOGIN','SECURITY'),('LOGOUT','SECURITY'),('LOGIN_FAILED','SECURITY'),
  ('DELETE','RECORD_CHANGE'),('EXPORT','DATA_EXPORT'),('API_CALL','API_ACCESS'),('CONFIG_CHANGE','CONFIG')) AS a(action, category)`;

const INSERT_CHUNK = `
INSERT INTO audit_events (tenant_id, sequence, id, occurred_at, recorded_at, actor_id, actor_type, action, category,
  entity_type, entity_id, changes, changed_fields, source, ip_address, location, hash)
SELECT $1::text, g.i, md5($1 || ':' || g.i)::uuid, t.at, t.at, 'user-' || (g.i % 300), 'USER', a.action, a.category,
  (ARRAY['Lead','Contact','Account','Opportunity'])[g.i % 4 + 1], 'r-' || (g.i % 40000), '[]'::jsonb, '{}'::text[],
  (ARRAY['UI','API','IMPORT'])[g.i % 3 + 1], ('10.0.' || (g.i % 200) || '.' || (g.i % 250))::inet,
  jsonb_build_object('country', (ARRAY['FR','US','DE','JP'])[g.i % 4 + 1]), sha256(int8send(g.i))
FROM generate_series($2::bigint, $3::bigint) AS g(i)
CROSS JOIN LATERAL (SELECT $5::timestamptz + (g.i - 1) * (interval '${STATS_DATASET.days} days' / $4::int) AS at) t
CROSS JOIN LATERAL (SELECT * FROM ${ACTIONS} OFFSET (g.i % 13) LIMIT 1) a`;

/** The window the dataset covers, fixed at load time and read back from `bench_meta`. */
export interface StatsWindow {
  from: Date;
  to: Date;
}

async function load(url: string, log: (line: string) => void): Promise<StatsWindow> {
  const db = await openAuditDatabase({ url });
  await db.migrate();
  await db.close();
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const to = new Date(Math.floor(Date.now() / 3600_000) * 3600_000);
    const from = new Date(to.getTime() - STATS_DATASET.days * 86_400_000);
    await client.query('SELECT audit_ensure_partition($1), audit_ensure_partition($2)', [from, to]);
    for (const [tenant, total] of [
      [STATS_DATASET.tenant, STATS_DATASET.events],
      ['globex', STATS_DATASET.otherEvents],
    ] as const) {
      for (let lo = 1; lo <= total; lo += STATS_DATASET.chunk) {
        const started = nowMs();
        const hi = Math.min(total, lo + STATS_DATASET.chunk - 1);
        await client.query(INSERT_CHUNK, [tenant, lo, hi, total, from]);
        log(`loaded ${tenant} ${fmtInt(hi)} / ${fmtInt(total)} (${fmtInt(nowMs() - started)} ms)`);
      }
    }
    await client.query('VACUUM ANALYZE audit_events');
    await client.query('CREATE TABLE bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)');
    await client.query(`INSERT INTO bench_meta VALUES ('stats', $1)`, [{ version: STATS_DATASET.version, from, to }]);
    return { from, to };
  } finally {
    await client.end();
  }
}

/** Reuses `name` when it holds this version of the dataset (unless BENCH_STATS_RELOAD=1), else loads it anew. */
export async function ensureStatsDataset(name: string, log: (line: string) => void): Promise<StatsWindow> {
  if (process.env.BENCH_STATS_RELOAD !== '1' && (await databaseExists(name))) {
    const client = new Client({ connectionString: databaseUrl(name) });
    await client.connect();
    const meta = await client
      .query(`SELECT value FROM bench_meta WHERE key = 'stats'`)
      .then(({ rows }) => rows[0]?.value as { version: number; from: string; to: string } | undefined)
      .catch(() => undefined)
      .finally(() => client.end());
    if (meta?.version === STATS_DATASET.version) return { from: new Date(meta.from), to: new Date(meta.to) };
  }
  await dropDatabase(name);
  await createDatabase(name);
  return load(databaseUrl(name), log);
}
