import type { Knex } from '@mikro-orm/postgresql';
import type { AuditAction } from '../../src/events/enums';
import { listEvents } from '../../src/reading/event-reader';
import { SubjectKeyedValues } from '../../src/erasure/open-rows';
import type { EventFilter } from '../../src/reading/event-filter';
import { seededRandom } from '../../bench/support/stats';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { insertEvents, type EventRow } from './event-rows';

/**
 * Every search form over a fixed, varied log, read page by page through `listEvents` (what
 * `auditEvents` runs): the events and their order are pinned in the snapshot, taken from the
 * implementation before search got its indexes, so that a change of plan cannot change an answer.
 */

const USERS = [
  { actorId: 'u-jane', actorEmail: 'Jane.Smith@acme.com', actorRole: 'ADMIN' },
  { actorId: 'u-bob', actorEmail: 'bob@acme.com', actorRole: 'sales' },
  { actorId: 'U-Émile', actorEmail: 'Émile.Zola@Example.FR', actorRole: 'SALES_MANAGER' },
  { actorId: 'svc-import' },
  { actorId: 'user.17', actorEmail: 'user.17@globex.example.com', actorRole: 'SALES_REP' },
];
const ACTIONS: AuditAction[] = ['UPDATE', 'UPDATE', 'UPDATE', 'CREATE', 'VIEW', 'LOGIN', 'DELETE', 'EXPORT'];
const ENTITIES = [
  ['Lead', 'lead-9'],
  ['Lead', 'lead-900'],
  ['Opportunity', 'O1'],
  ['Account', 'acc-İ1'],
];
const VALUES: unknown[] = ['New', 'Qualified', 'Proposal', null, 100, 250, 'Lyon', 'ÄRGER', { a: 1 }, 'x'.repeat(260)];
const FIELDS = ['status', 'amount', 'owner.id', 'Lead Source', 'description'];
const IPS = ['203.0.113.7', '10.0.0.5', '10.9.9.9', '2001:db8::1', '::ffff:192.0.2.1'];
const AGENTS = ['Mozilla/5.0 Firefox', 'curl/8', 'Mozilla/5.0 (Macintosh) Safari'];
const SOURCES = ['UI', 'API', 'IMPORT'];

function makeRows(count: number): EventRow[] {
  const random = seededRandom(17);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const base = Date.UTC(2026, 3, 20);
  return Array.from({ length: count }, (_, index) => {
    const action = pick(ACTIONS);
    const [entityType, entityId] = pick(ENTITIES);
    const changes =
      action === 'UPDATE' || action === 'CREATE'
        ? Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
            field: pick(FIELDS),
            oldValue: action === 'CREATE' ? null : pick(VALUES),
            newValue: pick(VALUES),
          }))
        : [];
    // Whole hours from a base over two months, so that several events share an instant and a partition boundary is crossed.
    const occurredAt = new Date(base + Math.floor(random() * 60 * 24) * 3_600_000).toISOString();
    return {
      name: `e${index}`,
      occurredAt,
      ...pick(USERS),
      action,
      ...(action === 'LOGIN' ? {} : { entityType, entityId }),
      changes,
      source: pick(SOURCES),
      ...(random() < 0.8 ? { ipAddress: pick(IPS) } : {}),
      ...(random() < 0.7 ? { userAgent: pick(AGENTS) } : {}),
      ...(random() < 0.6 ? { sessionId: `sess-${Math.floor(random() * 6)}` } : {}),
      ...(random() < 0.3 ? { metadata: { note: pick(['50% off_deal', 'bulk', 'Nürnberg']) } } : {}),
    };
  });
}

const SEARCHES = [
  '',
  'user:jane.smith',
  'user:u-jane',
  'user:BOB@ACME.COM',
  'user:émile.zola',
  'user:user.17',
  'user:nobody@x.com',
  'user:jane.smith user:svc-import',
  '-user:bob',
  'role:admin',
  'role:nobody',
  '-role:ADMIN',
  'action:update',
  'action:LOGIN_FAILED',
  'action:CREATE action:DELETE',
  'action:UPDATE action:DELETE -user:jane.smith',
  '-action:UPDATE',
  'category:security',
  'category:security category:data_export',
  'source:ui',
  '-source:UI -source:API',
  'entity:lead',
  'entity:Contact',
  'entity:Lead -id:lead-9',
  'id:lead-900',
  'id:O1 id:lead-9',
  'id:acc-İ1',
  'id:nothing-here',
  'session:sess-1',
  'session:sess-404',
  '-session:sess-1',
  'ip:203.0.113.7',
  'ip:203.0.113.99',
  'ip:10.0.0.0/8',
  'ip:10.0.0.0/8 ip:2001:db8::/32',
  'ip:192.0.2.1',
  '-ip:10.0.0.0/8',
  'date:2026-05-01',
  'date:>2026-05-20',
  'date:2026-04-25..2026-05-03',
  'date:<=2026-04-22T12:00:00Z',
  '-date:2026-05-01..2026-06-01',
  'date:2026-04-21 date:2026-05-30',
  'field:status',
  'field:"Lead Source"',
  'field:nothing',
  'field:amount field:description',
  '-field:status',
  'field:status old_value:new',
  'field:status new_value:QUALIFIED',
  'field:amount old_value:100 new_value:250',
  'old_value:null',
  'new_value:ärger',
  'new_value:"{\\"a\\": 1}"',
  `new_value:${'x'.repeat(260)}`,
  `new_value:${'x'.repeat(200)}`,
  'new_value:never-set',
  'old_value:lyon old_value:proposal',
  '-new_value:null',
  'field:status -new_value:proposal',
  'firefox',
  'acme',
  'acme proposal',
  '-acme',
  '50%',
  '%',
  'o_f',
  'off_deal',
  '203.0.113',
  '"2001:db8"',
  'nürnberg',
  'NÜRNBERG',
  'zz',
  'zzzzzz',
  'ärger lyon',
  'lead-90',
  'user:jane.smith action:UPDATE entity:Lead field:status ip:203.0.113.0/24 source:UI date:>2026-04-20',
  'user:bob -action:VIEW firefox date:<2026-06-01',
];

const FILTERS: Array<[string, EventFilter]> = [
  ['entityIds', { entityIds: ['lead-900', 'O1'] }],
  ['actions', { actions: ['LOGIN'] }],
  ['ip', { ip: '10.0.0.0/8' }],
  ['field', { field: 'amount' }],
  ['from/to', { from: new Date('2026-05-01T00:00:00Z'), to: new Date('2026-05-15T00:00:00Z') }],
  ['actorIds+entityTypes', { actorIds: ['u-bob', 'U-Émile'], entityTypes: ['Lead'] }],
];

let database: TestDatabase;
let nameOf: (id: string) => string;

beforeAll(async () => {
  database = await createTestDatabase();
  const rows = makeRows(400);
  await insertEvents(database.db.knex, rows);
  // Another tenant's copy of a few events: never in t1's answers.
  await database.db.knex.raw(
    `INSERT INTO audit_events SELECT 't2', sequence, gen_random_uuid(), occurred_at, recorded_at, actor_id, actor_email,
       actor_role, actor_type, impersonator_id, action, category, entity_type, entity_id, changes, changed_fields, source,
       ip_address, user_agent, session_id, location, metadata, hash, search_tokens FROM audit_events WHERE tenant_id = 't1' AND sequence <= 50`,
  );
  await database.db.knex.raw('ANALYZE audit_events');
  const names = new Map(
    rows.map((row, index) => [`00000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`, row.name]),
  );
  nameOf = (id) => names.get(id) ?? `other:${id}`;
}, 60_000);

afterAll(() => database?.drop());

/** Every page of the answer, `first` at a time, walked by cursor. */
async function readAll(knex: Knex, search: string, filter: EventFilter = {}): Promise<string[]> {
  const names: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await listEvents(knex, new SubjectKeyedValues(null), 't1', { search, filter, first: 23, after });
    names.push(...page.edges.map((edge) => nameOf(edge.node.id)));
    if (!page.pageInfo.hasNextPage) return names;
    after = page.pageInfo.endCursor;
  }
}

describe('every search form answers as pinned (same events, same order)', () => {
  it.each(SEARCHES)('search %j', async (search) => {
    expect(await readAll(database.db.knex, search)).toMatchSnapshot();
  });

  it.each(FILTERS)('filter %s, alone and with searches', async (_name, filter) => {
    const answers = [];
    for (const search of ['', 'user:bob', 'action:UPDATE', 'acme', 'new_value:never-set', '-role:ADMIN'])
      answers.push([search, await readAll(database.db.knex, search, filter)]);
    expect(answers).toMatchSnapshot();
  });
});
