import { intFromEnv, seededRandom } from '../support/stats';
import { leadIds } from './dataset';

/** Records per `_entities` call, and the page size asked of each. */
export const RECORDS = intFromEnv('BENCH_RECORDS', 100);
export const FIRST = intFromEnv('BENCH_FIRST', 20);

/** What the Router sends for `Lead.auditHistory`: representations as a variable, so the document is the same every time. */
export const HISTORY_QUERY = `query LeadHistories($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Lead {
      auditHistory(first: ${FIRST}) {
        edges { node { id action occurredAt actor { id } changes { field oldValue newValue } } }
      }
    }
  }
}`;

export const representationsOf = (ids: string[]) => ids.map((id) => ({ __typename: 'Lead', id }));

/** The same operation with the representations written into the document (a new document each time). */
export const inlineHistoryQuery = (ids: string[]) =>
  HISTORY_QUERY.replace('query LeadHistories($representations: [_Any!]!)', 'query LeadHistories').replace(
    '_entities(representations: $representations)',
    `_entities(representations: [${ids.map((id) => `{__typename: "Lead", id: ${JSON.stringify(id)}}`).join(', ')}])`,
  );

/** `count` sets of RECORDS distinct Lead ids, the same on every run. */
export function idSets(count: number): string[][] {
  const leads = leadIds();
  const random = seededRandom(20261122);
  return Array.from({ length: count }, () => {
    const pool = [...leads];
    for (let i = 0; i < RECORDS; i++) {
      const j = i + Math.floor(random() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool.slice(0, RECORDS);
  });
}
