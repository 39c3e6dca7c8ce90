import type { Knex } from '@mikro-orm/postgresql';
import { parseSearch } from '../../src/search/parse';
import { applySearch } from '../../src/search/search-sql';
import { SubjectKeyedValues } from '../../src/erasure/open-rows';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { insertEvents } from './event-rows';

let database: TestDatabase;
let names: (qb: Knex.QueryBuilder) => Promise<string[]>;

beforeAll(async () => {
  database = await createTestDatabase();
  const jane = { actorId: 'u-jane', actorEmail: 'Jane.Smith@acme.com' };
  const bob = { actorId: 'u-bob', actorEmail: 'bob@acme.com', actorRole: 'sales' };
  names = await insertEvents(database.db.knex, [
    {
      name: 's1',
      occurredAt: '2026-05-01T10:00:00Z',
      ...jane,
      actorRole: 'ADMIN',
      action: 'UPDATE',
      entityType: 'Opportunity',
      entityId: 'O1',
      changes: [
        { field: 'stage', oldValue: 'Qualification', newValue: 'Proposal' },
        { field: 'amount', oldValue: 100, newValue: 200 },
      ],
      source: 'API',
      ipAddress: '203.0.113.7',
      sessionId: 'sess-1',
      userAgent: 'Mozilla/5.0 Firefox',
      metadata: { note: '50% off_deal' },
    },
    {
      name: 's2',
      occurredAt: '2026-05-02T00:00:00Z',
      ...bob,
      action: 'UPDATE',
      entityType: 'Opportunity',
      entityId: 'O2',
      changes: [{ field: 'stage', oldValue: 'Proposal', newValue: 'Qualification' }],
      source: 'UI',
      ipAddress: '10.0.0.5',
      sessionId: 'sess-2',
    },
    {
      name: 's3',
      occurredAt: '2026-05-01T23:59:59Z',
      ...jane,
      action: 'LOGIN',
      source: 'UI',
      ipAddress: '2001:db8::1',
    },
    {
      name: 's4',
      occurredAt: '2026-05-07T12:00:00Z',
      actorId: 'svc-import',
      action: 'BULK_IMPORT',
      entityType: 'Lead',
      entityId: 'L1',
      changes: [{ field: 'Lead Source', oldValue: null, newValue: 'Web' }],
      source: 'IMPORT',
      metadata: { recordCount: 5 },
    },
    {
      name: 's5',
      occurredAt: '2026-05-08T00:00:00Z',
      ...bob,
      action: 'DELETE',
      entityType: 'Lead',
      entityId: 'L2',
      changes: [{ field: 'stage', oldValue: 'New', newValue: null }],
      source: 'UI',
      ipAddress: '10.9.9.9',
      userAgent: 'curl/8',
    },
  ]);
});

afterAll(() => database?.drop());

const search = (input: string): Promise<string[]> =>
  names(
    applySearch(database.db.knex('audit_events as e').select('e.id'), parseSearch(input), {
      alias: 'e',
      blindIndex: new SubjectKeyedValues(null),
    }),
  );

type Case = [string, string[]];
const expectCases = async (cases: Case[]): Promise<void> => {
  const results = await Promise.all(cases.map(async ([input]) => [input, await search(input)]));
  expect(results).toEqual(cases);
};

describe('applySearch', () => {
  it('an empty search matches everything', () => expectCases([['', ['s1', 's2', 's3', 's4', 's5']]]));

  it('user: id, email or the email local part, case-insensitively', () =>
    expectCases([
      ['user:jane.smith', ['s1', 's3']],
      ['user:u-jane', ['s1', 's3']],
      ['user:BOB@ACME.COM', ['s2', 's5']],
      ['user:U-JANE', []],
      ['user:"o\'brien"', []],
      ['user:jane.smith user:svc-import', ['s1', 's3', 's4']],
      ['-user:bob', ['s1', 's3', 's4']],
    ]));

  it('role:, action:, category:, source:, entity:, id:, session:', () =>
    expectCases([
      ['role:admin', ['s1']],
      ['-role:ADMIN', ['s2', 's3', 's4', 's5']],
      ['action:update', ['s1', 's2']],
      ['action:CREATE action:DELETE', ['s5']],
      ['action:UPDATE action:DELETE -user:jane.smith', ['s2', 's5']],
      ['category:security', ['s3']],
      ['category:security category:bulk_operation', ['s3', 's4']],
      ['source:ui', ['s2', 's3', 's5']],
      ['-source:UI -source:API', ['s4']],
      ['entity:opportunity', ['s1', 's2']],
      ['entity:Lead -id:L1', ['s5']],
      ['id:O1 id:L1', ['s1', 's4']],
      ['session:sess-1', ['s1']],
      ['-session:sess-1', ['s2', 's3', 's4', 's5']],
    ]));

  it('ip: exact address or CIDR range; a negation keeps events without an address', () =>
    expectCases([
      ['ip:203.0.113.7', ['s1']],
      ['ip:203.0.113.0/24', ['s1']],
      ['ip:10.0.0.0/8', ['s2', 's5']],
      ['ip:10.9.0.1/16', ['s5']],
      ['ip:10.0.0.0/8 ip:2001:db8::/32', ['s2', 's3', 's5']],
      ['ip:2001:db8:0:0::1', ['s3']],
      ['-ip:10.0.0.0/8', ['s1', 's3', 's4']],
    ]));

  it('date: each form', () =>
    expectCases([
      ['date:2026-05-01', ['s1', 's3']],
      ['date:>2026-05-01', ['s2', 's4', 's5']],
      ['date:>=2026-05-02', ['s2', 's4', 's5']],
      ['date:<2026-05-02', ['s1', 's3']],
      ['date:<=2026-05-01', ['s1', 's3']],
      ['date:<=2026-05-01T10:00:00Z', ['s1']],
      ['date:<2026-05-01T10:00:00Z', []],
      ['date:>2026-05-01T10:00:00Z', ['s2', 's3', 's4', 's5']],
      ['date:>=2026-05-01T12:00:00+02:00', ['s1', 's2', 's3', 's4', 's5']],
      ['date:2026-05-02..2026-05-07', ['s2', 's4']],
      ['date:2026-05-01T10:00:00Z..2026-05-02T00:00:00Z', ['s1', 's2', 's3']],
      ['date:2026-05-01T10:00:00Z', ['s1']],
      ['date:2026-05-01 date:2026-05-08', ['s1', 's3', 's5']],
      ['-date:2026-05-01', ['s2', 's4', 's5']],
    ]));

  it('field:, old_value:, new_value: hold for the same change, values as case-insensitive text', () =>
    expectCases([
      ['field:stage', ['s1', 's2', 's5']],
      ['field:"Lead Source"', ['s4']],
      ['field:amount field:"Lead Source"', ['s1', 's4']],
      ['-field:stage', ['s3', 's4']],
      ['field:stage old_value:qualification', ['s1']],
      ['field:stage new_value:QUALIFICATION', ['s2']],
      ['field:stage old_value:Qualification new_value:Proposal', ['s1']],
      ['field:amount old_value:Qualification', []],
      ['field:amount old_value:100 new_value:200', ['s1']],
      ['old_value:proposal', ['s2']],
      ['old_value:new old_value:proposal', ['s2', 's5']],
      ['new_value:null', ['s5']],
      ['field:"Lead Source" old_value:null', ['s4']],
      ['-old_value:qualification', ['s2', 's3', 's4', 's5']],
      ['field:stage -new_value:proposal', ['s2', 's5']],
    ]));

  it('bare words: each a case-insensitive substring of the event, wildcards literal', () =>
    expectCases([
      ['FIREFOX', ['s1']],
      ['acme', ['s1', 's2', 's3', 's5']],
      ['acme proposal', ['s1', 's2']],
      ['-acme', ['s4']],
      ['"Mozilla/5.0 Firefox"', ['s1']],
      ['50%', ['s1']],
      ['%', ['s1']],
      ['o_f', []],
      ['off_deal', ['s1']],
      ['203.0.113', ['s1']],
      ['"2001:db8"', ['s3']],
      ['sess-2 sales', ['s2']],
      ['bulk_import L1 recordCount', ['s4']],
      ['curl/8 -sales', []],
    ]));

  it('ANDs the contract example', () =>
    expectCases([
      [
        'user:jane.smith action:UPDATE entity:Opportunity field:stage old_value:Qualification new_value:Proposal ip:203.0.113.0/24 source:API date:>2026-04-30',
        ['s1'],
      ],
    ]));
});
