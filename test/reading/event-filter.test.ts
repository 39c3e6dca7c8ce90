import type { Knex } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../../src/errors';
import { DateRangePreset } from '../../src/reading/date-range-preset';
import { applyEventFilter, type EventFilter } from '../../src/reading/event-filter';
import { SubjectKeyedValues } from '../../src/erasure/open-rows';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { insertEvents } from '../search/event-rows';

const now = new Date('2026-11-22T12:00:00Z');
let database: TestDatabase;
let names: (qb: Knex.QueryBuilder) => Promise<string[]>;

beforeAll(async () => {
  database = await createTestDatabase();
  names = await insertEvents(database.db.knex, [
    {
      name: 'a',
      occurredAt: '2026-05-01T00:00:00Z',
      actorId: 'u1',
      action: 'CREATE',
      entityType: 'Lead',
      entityId: 'L1',
      source: 'UI',
      ipAddress: '10.1.2.3',
      changes: [{ field: 'stage', newValue: 'New' }],
    },
    {
      name: 'b',
      occurredAt: '2026-05-01T23:59:59.999Z',
      actorId: 'u2',
      action: 'UPDATE',
      entityType: 'Opportunity',
      entityId: 'O1',
      source: 'API',
      ipAddress: '10.200.0.1',
      changes: [{ field: 'amount', oldValue: 1, newValue: 2 }],
    },
    {
      name: 'c',
      occurredAt: '2026-05-02T00:00:00Z',
      actorId: 'u1',
      action: 'LOGIN',
      source: 'UI',
      ipAddress: '203.0.113.9',
    },
    {
      name: 'd',
      occurredAt: '2026-05-07T12:00:00Z',
      actorId: 'u3',
      action: 'DELETE',
      entityType: 'Lead',
      entityId: 'L2',
      source: 'IMPORT',
      ipAddress: '2001:db8::5',
      changes: [{ field: 'stage' }, { field: 'owner' }],
    },
    { name: 'e', occurredAt: '2026-11-22T01:00:00Z', actorId: 'u4', action: 'VIEW' },
    { name: 'f', occurredAt: '2026-11-20T00:00:00Z', actorId: 'u4', action: 'VIEW' },
    { name: 'g', occurredAt: '2026-10-10T00:00:00Z', actorId: 'u4', action: 'VIEW' },
    { name: 'h', occurredAt: '2026-08-01T00:00:00Z', actorId: 'u4', action: 'VIEW' },
  ]);
});

afterAll(() => database?.drop());

const run = (filter: EventFilter | undefined): Promise<string[]> =>
  names(
    applyEventFilter(database.db.knex('audit_events as e').select('e.id'), filter, {
      alias: 'e',
      argument: 'filter',
      now,
      blindIndex: new SubjectKeyedValues(null),
    }),
  );

describe('applyEventFilter', () => {
  it('without a filter, or with empty lists and strings, constrains nothing', async () => {
    const all = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    expect(await run(undefined)).toEqual(all);
    expect(
      await run({
        actorIds: [],
        actions: [],
        categories: [],
        entityTypes: [],
        entityIds: [],
        sources: [],
        fields: [],
        ip: '',
        field: '',
      }),
    ).toEqual(all);
  });

  it('bounds occurred_at by from and to, both inclusive', async () => {
    expect(await run({ from: new Date('2026-05-01T00:00:00Z'), to: new Date('2026-05-02T00:00:00Z') })).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(await run({ from: new Date('2026-05-01T23:59:59.999Z') })).toEqual(['b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(await run({ to: new Date('2026-05-01T23:59:59.999Z') })).toEqual(['a', 'b']);
  });

  it('refuses from after to, naming argument.from', async () => {
    const filter = { from: new Date('2026-05-03T00:00:00Z'), to: new Date('2026-05-02T00:00:00Z') };
    expect(() => run(filter)).toThrow(BadUserInputError);
    expect(() => run(filter)).toThrow(/^filter\.from: /);
  });

  it('applies presets relative to now, ANDed with from and to', async () => {
    expect(await run({ preset: DateRangePreset.TODAY })).toEqual(['e']);
    expect(await run({ preset: DateRangePreset.LAST_7_DAYS })).toEqual(['e', 'f']);
    expect(await run({ preset: DateRangePreset.LAST_30_DAYS })).toEqual(['e', 'f']);
    expect(await run({ preset: DateRangePreset.LAST_90_DAYS })).toEqual(['e', 'f', 'g']);
    expect(await run({ preset: DateRangePreset.LAST_90_DAYS, to: new Date('2026-11-21T00:00:00Z') })).toEqual([
      'f',
      'g',
    ]);
  });

  it('matches any value of each list, and ANDs the lists', async () => {
    expect(await run({ actorIds: ['u1', 'u3'] })).toEqual(['a', 'c', 'd']);
    expect(await run({ actions: ['CREATE', 'DELETE'] })).toEqual(['a', 'd']);
    expect(await run({ categories: ['SECURITY'] })).toEqual(['c']);
    expect(await run({ categories: ['RECORD_CHANGE', 'DATA_ACCESS'] })).toEqual(['a', 'b', 'd', 'e', 'f', 'g', 'h']);
    expect(await run({ entityTypes: ['Lead'] })).toEqual(['a', 'd']);
    expect(await run({ entityIds: ['O1', 'L2'] })).toEqual(['b', 'd']);
    expect(await run({ sources: ['UI', 'IMPORT'] })).toEqual(['a', 'c', 'd']);
    expect(await run({ actorIds: ['u1'], sources: ['UI'], entityTypes: ['Lead'] })).toEqual(['a']);
  });

  it('matches an exact address or a CIDR range', async () => {
    expect(await run({ ip: '10.1.2.3' })).toEqual(['a']);
    expect(await run({ ip: '10.0.0.0/8' })).toEqual(['a', 'b']);
    expect(await run({ ip: '10.1.2.3/16' })).toEqual(['a']);
    expect(await run({ ip: '2001:db8::/32' })).toEqual(['d']);
    expect(await run({ ip: '2001:DB8:0::5' })).toEqual(['d']);
    expect(await run({ ip: '0.0.0.0/0', sources: ['UI'] })).toEqual(['a', 'c']);
  });

  it('refuses a malformed ip, naming argument.ip', () => {
    for (const ip of ['10.1', '10.0.0.0/33', 'nope', "1.2.3.4' OR 1=1"]) {
      expect(() => run({ ip })).toThrow(/^filter\.ip: /);
    }
  });

  it('matches events that changed any of field and fields', async () => {
    expect(await run({ field: 'stage' })).toEqual(['a', 'd']);
    expect(await run({ fields: ['amount', 'owner'] })).toEqual(['b', 'd']);
    expect(await run({ field: 'amount', fields: ['owner'] })).toEqual(['b', 'd']);
    expect(await run({ field: 'Stage' })).toEqual([]);
  });
});
