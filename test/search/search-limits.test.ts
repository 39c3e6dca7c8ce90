import { startTestServer, type TestServer } from '../support/server';
import { adminToken } from '../support/tokens';

/** Negated bare words up to `length` characters: each one its own NOT (substring match) in SQL. */
function negatedWords(length: number): string {
  let search = '';
  for (let i = 0; search.length < length; i++) search += `-word${i} `;
  return search.slice(0, length);
}

const refusal = (argument: string, problem: RegExp) => ({
  extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argument }),
  message: expect.stringMatching(new RegExp(`^${argument.replace('.', '\\.')}: ${problem.source}`)),
});

describe('limits on search text, wherever it is written', () => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await adminToken('acme');
  });
  afterAll(() => server.stop());

  const EVENTS = 'query($search: String) { auditEvents(search: $search) { edges { cursor } } }';

  it('refuses a 90 KB negated search in milliseconds, naming `search`', async () => {
    const started = performance.now();
    const response = await server.graphql(EVENTS, { search: negatedWords(90 * 1024) }, admin);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(response.errors).toEqual([
      expect.objectContaining(refusal('search', /is 92160 characters long; at most 1000 are allowed/)),
    ]);
  });

  it('refuses more than 20 terms and accepts 20 within 1000 characters', async () => {
    const terms = (count: number) => Array.from({ length: count }, (_, i) => `-word${i}`).join(' ');
    const over = await server.graphql(EVENTS, { search: terms(21) }, admin);
    expect(over.errors).toEqual([expect.objectContaining(refusal('search', /has more than 20 terms/))]);
    const within = await server.graphql(EVENTS, { search: `${terms(19)} "${'x'.repeat(800)}"` }, admin);
    expect(within.errors).toBeUndefined();
  });

  it('applies to auditStats, saved filters and alert rules alike', async () => {
    const long = negatedWords(1001);
    const stats = await server.graphql(
      'query($search: String) { auditStats(search: $search, groupBy: []) { total } }',
      { search: long },
      admin,
    );
    expect(stats.errors).toEqual([expect.objectContaining(refusal('search', /is 1001 characters long/))]);
    const saved = await server.graphql(
      'mutation($search: String) { createSavedFilter(input: { name: "long", search: $search }) { id } }',
      { search: long },
      admin,
    );
    expect(saved.errors).toEqual([expect.objectContaining(refusal('input.search', /is 1001 characters long/))]);
    const rule = await server.graphql(
      'mutation($match: String!) { createAlertRule(input: { name: "long", severity: LOW, match: $match }) { id } }',
      { match: negatedWords(31 * 1024) },
      admin,
    );
    expect(rule.errors).toEqual([expect.objectContaining(refusal('input.match', /is 317\d\d characters long/))]);
  });
});
