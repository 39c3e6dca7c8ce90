import type { EventFilter } from '../../src/reading/event-filter';

/** One search the bench asks `auditEvents(first: 50)`: the search text and/or a filter, and what it is. */
export interface SearchForm {
  name: string;
  search?: string;
  filter?: EventFilter;
  /** How many events of the tenant match, roughly: for reading the table. */
  kind: 'common' | 'rare' | 'absent';
  /** A row of the issue's table (measured before the indexes too when BENCH_SEARCH_BEFORE is on). */
  issueRow?: boolean;
}

/**
 * Every form of the search syntax over the dataset of bench/history/dataset.ts: 500 users
 * (`user-N`, `user.N@acme.example.com`), 9 entity types, 3 actions, 5 changed fields, sessions of
 * 40 consecutive events, addresses 10.x.y.z. `day` is a whole UTC day inside the data.
 */
export function searchForms(day: string, month: [string, string]): SearchForm[] {
  const [monthStart, monthEnd] = month;
  return [
    { name: 'action (common)', search: 'action:UPDATE', kind: 'common', issueRow: true },
    { name: 'action (absent)', search: 'action:LOGIN_FAILED', kind: 'absent', issueRow: true },
    { name: 'action OR action', search: 'action:CREATE action:VIEW', kind: 'common' },
    { name: 'category', search: 'category:DATA_ACCESS', kind: 'common' },
    { name: 'source (absent)', search: 'source:IMPORT', kind: 'absent' },
    { name: 'entity (common)', search: 'entity:Lead', kind: 'common', issueRow: true },
    { name: 'entity (absent)', search: 'entity:Campaign', kind: 'absent', issueRow: true },
    { name: 'id', search: 'id:lead-900', kind: 'rare', issueRow: true },
    { name: 'id OR id', search: 'id:lead-900 id:contact-901', kind: 'rare' },
    { name: 'id (absent)', search: 'id:lead-999999999', kind: 'absent' },
    { name: 'user: email local part', search: 'user:user.17', kind: 'rare', issueRow: true },
    { name: 'user: actor id', search: 'user:user-17', kind: 'rare' },
    { name: 'user: email', search: 'user:user.17@acme.example.com', kind: 'rare' },
    { name: 'user OR user', search: 'user:user.17 user:user.18', kind: 'rare' },
    { name: 'user (absent)', search: 'user:nobody@x.com', kind: 'absent', issueRow: true },
    { name: 'role (common)', search: 'role:SALES_REP', kind: 'common' },
    { name: 'role (absent)', search: 'role:auditor', kind: 'absent', issueRow: true },
    { name: 'session', search: 'session:sess-123456', kind: 'rare' },
    { name: 'session (absent)', search: 'session:sess-none', kind: 'absent', issueRow: true },
    { name: 'ip', search: 'ip:10.17.33.34', kind: 'rare' },
    { name: 'ip (absent)', search: 'ip:203.0.113.99', kind: 'absent', issueRow: true },
    { name: 'ip CIDR', search: 'ip:10.17.0.0/16', kind: 'rare' },
    { name: 'ip CIDR (absent)', search: 'ip:192.168.0.0/16', kind: 'absent' },
    { name: 'field (common)', search: 'field:description', kind: 'common', issueRow: true },
    { name: 'field (absent)', search: 'field:nickname', kind: 'absent', issueRow: true },
    { name: 'field + old + new', search: 'field:status old_value:new new_value:working', kind: 'common' },
    { name: 'new_value (common)', search: 'new_value:qualified', kind: 'common' },
    {
      name: 'new_value (rare)',
      search: 'new_value:"Technical evaluation scheduled with their IT team (17 seats)."',
      kind: 'rare',
    },
    { name: 'new_value (absent)', search: 'new_value:never-set', kind: 'absent', issueRow: true },
    { name: 'old_value OR old_value', search: 'old_value:osaka old_value:lyon field:address.city', kind: 'common' },
    { name: 'bare word (common)', search: 'berlin', kind: 'common', issueRow: true },
    { name: 'bare word (rare)', search: 'sess-123456', kind: 'rare' },
    { name: 'bare word (absent)', search: 'zyxwvutsr', kind: 'absent', issueRow: true },
    { name: 'date: one day', search: `date:${day}`, kind: 'common' },
    { name: 'date range + user', search: `user:user.17 date:${monthStart}..${monthEnd}`, kind: 'rare' },
    { name: 'negation (common)', search: '-action:UPDATE', kind: 'common' },
    { name: 'negation + user', search: 'user:user.17 -action:UPDATE', kind: 'rare' },
    { name: 'negations excluding all', search: '-source:UI -source:API', kind: 'absent' },
    {
      name: 'combination',
      search: 'user:user.17 action:UPDATE entity:Lead field:status new_value:qualified',
      kind: 'rare',
    },
    {
      name: 'filter entityIds (no type)',
      filter: { entityIds: ['lead-900', 'contact-901'] },
      kind: 'rare',
      issueRow: true,
    },
    { name: 'filter actions (absent) ', filter: { actions: ['LOGIN_FAILED'] }, kind: 'absent' },
    { name: 'filter ip (absent)', filter: { ip: '203.0.113.0/24' }, kind: 'absent' },
    { name: 'filter field + search user', filter: { field: 'description' }, search: 'user:user.17', kind: 'rare' },
    {
      name: 'filter from/to + search action',
      filter: { from: new Date(`${monthStart}T00:00:00Z`), to: new Date(`${monthEnd}T23:59:59Z`) },
      search: 'action:VIEW',
      kind: 'common',
    },
  ];
}
