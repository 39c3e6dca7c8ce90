import type { Knex } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { copyGeneratedEvents, type TenantSpan } from '../../bench/history/generated-events';
import { searchForms } from '../../bench/search/forms';
import { eventColumns, type AuditEventRow } from '../../src/events/event-row';
import { applyCriteria, type EventCriteria } from '../../src/reading/apply-criteria';
import { decodeCursor, encodeCursor, type Cursor } from '../../src/reading/cursor';
import { keysetPage } from '../../src/reading/page';
import { readWindowedPage } from '../../src/reading/windowed-page';
import { SubjectKeyedValues } from '../../src/erasure/open-rows';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * A page of many estimated matches is read in time windows (src/reading/windowed-page.ts). Here the
 * windows are forced for every search (no estimate is small enough for one statement) and each
 * answer, walked page by page, must be the one statement's: the same events in the same order.
 */

const SPANS: TenantSpan[] = [
  {
    tenant: 'acme',
    total: 4_000,
    entities: 200,
    start: new Date('2026-03-03T00:00:00Z'),
    end: new Date('2026-05-29T00:00:00Z'),
  },
  {
    tenant: 'globex',
    total: 500,
    entities: 50,
    start: new Date('2026-03-03T00:00:00Z'),
    end: new Date('2026-05-29T00:00:00Z'),
  },
];

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    for (const month of ['2026-03-01', '2026-04-01', '2026-05-01'])
      await client.query('SELECT audit_ensure_partition($1::timestamptz)', [month]);
    for (const span of SPANS) await copyGeneratedEvents([client], span, () => undefined);
    await client.query('ANALYZE audit_events');
  } finally {
    await client.end();
  }
}, 120_000);

afterAll(() => database?.drop());

type Read = (
  knex: Knex,
  query: () => Knex.QueryBuilder,
  first: number,
  cursor: Cursor | null,
) => Promise<AuditEventRow[]>;

const oneStatement: Read = (_knex, query, first, cursor) => keysetPage(query(), 'e', first, cursor);
const inWindows: Read = (knex, query, first, cursor) => readWindowedPage(knex, 'acme', query, first, cursor, 0);

/** Every page of the answer, `first` at a time, walked by cursor: ids in order. */
async function readAll(criteria: EventCriteria, first: number, read: Read): Promise<string[]> {
  const knex = database.db.knex;
  const query = () =>
    applyCriteria(knex.select(eventColumns(knex)).from('audit_events as e').where('e.tenant_id', 'acme'), criteria, {
      indexed: true,
      blindIndex: new SubjectKeyedValues(null),
    });
  const ids: string[] = [];
  let cursor: Cursor | null = null;
  for (;;) {
    const rows = await read(knex, query, first, cursor);
    const page = rows.slice(0, first);
    ids.push(...page.map((row) => row.id));
    if (rows.length <= first) return ids;
    const last = page[page.length - 1];
    cursor = decodeCursor(encodeCursor({ occurredUs: last.occurred_us, id: last.id }));
  }
}

const criteria: Array<[string, EventCriteria]> = [
  ...searchForms('2026-04-10', ['2026-04-01', '2026-04-28']).map((form): [string, EventCriteria] => [
    form.name,
    { search: form.search, filter: form.filter },
  ]),
  ['bare word, rare', { search: 'sess-42' }],
  ['bare word and key', { search: 'lyon user:user-3' }],
  ['negation alone, rare complement', { search: '-action:UPDATE -action:CREATE' }],
  [
    'filter from/to alone',
    { filter: { from: new Date('2026-04-02T10:00:00Z'), to: new Date('2026-04-20T00:00:00Z') } },
  ],
];

it.each(criteria)(
  '%s: the same events in the same order, read in windows',
  async (_name, search) => {
    for (const first of [23, 200]) {
      const expected = await readAll(search, first, oneStatement);
      expect(await readAll(search, first, inWindows)).toEqual(expected);
    }
    // A common term is walked through all its 3,000-odd events, page by page, twice.
  },
  60_000,
);
