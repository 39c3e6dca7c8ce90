import type { Knex } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startTestServer, type TestServer } from '../support/server';
import { serviceToken } from '../support/tokens';

/**
 * Search tokens moved from an index expression (the PL/pgSQL `audit_search_tokens` of the first search
 * migration) to a column the service fills. The function is the oracle: every event, backfilled or
 * recorded after the move, must carry exactly the tokens it computed, or searches would answer
 * differently.
 */
const BEFORE_THE_COLUMN = 'Migration20261202000000_search_indexes';

const OLD_TOKENS = `audit_search_tokens(actor_id, actor_email, actor_role, action, category, source, entity_type,
  entity_id, session_id, changed_fields, changes)`;

/** Changes whose values the tokens must spell as PostgreSQL prints them. */
const AWKWARD_CHANGES = [
  { field: 'amount', oldValue: 1e21, newValue: 1.5e-7 },
  { field: 'ratio', oldValue: -0.25, newValue: 12345678901234 },
  { field: 'flags', oldValue: true, newValue: false },
  { field: 'address', oldValue: { zip: '69001', city: 'Lyon', c: [1, { b: null, aa: 'x' }] }, newValue: ['a', 2] },
  { field: 'note', oldValue: null, newValue: 'Ärger "quoted" \\ back\tslash ÉCOLE' },
  { field: 'long', oldValue: 'x'.repeat(250), newValue: `${'é'.repeat(199)}ÉÉ` },
];

interface Tokens {
  sequence: string;
  old: string[];
  stored: string[];
}

const sorted = (tokens: string[]) => [...tokens].sort();

async function tokensOf(knex: Knex, tenant: string): Promise<Tokens[]> {
  const { rows } = await knex.raw(
    `SELECT sequence, ${OLD_TOKENS} AS old, search_tokens AS stored FROM audit_events WHERE tenant_id = ? ORDER BY sequence`,
    [tenant],
  );
  return rows;
}

let database: TestDatabase;
let server: TestServer | undefined;
let oldFunction: string;

beforeAll(async () => {
  database = await createTestDatabase({ migrateTo: BEFORE_THE_COLUMN });
  const { knex } = database.db;
  await knex.raw('SELECT audit_ensure_partition(?::timestamptz)', ['2026-05-01T00:00:00Z']);
  const base = {
    tenant_id: 'early',
    occurred_at: '2026-05-01T10:00:00Z',
    recorded_at: '2026-05-01T10:00:00Z',
    actor_type: 'USER',
    category: 'RECORD_CHANGE',
    source: 'API',
    hash: Buffer.from([0]),
  };
  const rows = [
    {
      actor_id: 'u-1',
      actor_email: 'Jane.Smith@Acme.example',
      actor_role: 'Admin',
      entity_type: 'Lead',
      entity_id: 'L-1',
      session_id: 's-1',
      changes: AWKWARD_CHANGES,
    },
    {
      actor_id: 'u-2',
      actor_email: 'no-at-sign',
      actor_role: null,
      entity_type: null,
      entity_id: null,
      session_id: null,
      changes: [],
    },
    {
      actor_id: 'U-Émile',
      actor_email: null,
      actor_role: 'ÉDITEUR',
      entity_type: 'Opportunité',
      entity_id: 'O-1',
      session_id: 's-2',
      changes: [{ field: 'stage', newValue: 'won' }],
    },
  ];
  for (const [index, row] of rows.entries())
    await knex('audit_events').insert({
      ...base,
      ...row,
      sequence: index + 1,
      id: `00000000-0000-4000-8000-00000000000${index + 1}`,
      action: 'UPDATE',
      changes: JSON.stringify(row.changes),
      changed_fields: row.changes.map((change) => change.field),
    });
  const { rows: definition } = await knex.raw(
    `SELECT pg_get_functiondef('audit_search_tokens(text, text, text, text, text, text, text, text, text, text[], jsonb)'::regprocedure) AS sql`,
  );
  oldFunction = definition[0].sql;
  await database.db.migrate();
  // The oracle again, for the rows written after the move.
  await knex.raw(oldFunction);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

it('backfills the stored events with the tokens the expression index had', async () => {
  const tokens = await tokensOf(database.db.knex, 'early');
  expect(tokens).toHaveLength(3);
  for (const { old, stored } of tokens) expect(sorted(stored)).toEqual(sorted(old));
});

it('records new events with the same tokens', async () => {
  server = await startTestServer({ database });
  const response = await server.graphql(
    `mutation ($events: [AuditEventInput!]!) { recordAuditEvents(events: $events) { recorded } }`,
    {
      events: [
        {
          action: 'UPDATE',
          entityType: 'Lead',
          entityId: 'L-1',
          actor: { id: 'u-1', email: 'Jane.Smith@Acme.example', role: 'Admin', type: 'USER' },
          sessionId: 's-1',
          changes: AWKWARD_CHANGES,
        },
        { action: 'LOGIN', actor: { id: 'U-Émile', type: 'USER' }, source: 'UI' },
      ],
    },
    await serviceToken('late'),
  );
  expect(response.errors).toBeUndefined();
  const tokens = await tokensOf(database.db.knex, 'late');
  expect(tokens).toHaveLength(2);
  for (const { old, stored } of tokens) expect(sorted(stored)).toEqual(sorted(old));
});
