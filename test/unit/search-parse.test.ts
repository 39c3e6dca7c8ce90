import { BadUserInputError } from '../../src/errors';
import type { DateTerm, SearchTerm } from '../../src/search/ast';
import { SearchSyntaxError, toBadUserInput } from '../../src/search/errors';
import { formatSearch } from '../../src/search/format';
import { parseSearch, parseSearchArgument } from '../../src/search/parse';

const terms = (input: string): SearchTerm[] => parseSearch(input).terms;
const rangeOf = (input: string) => (terms(`date:${input}`)[0] as DateTerm).range;
const iso = (text: string) => new Date(text);

function syntaxError(input: string): SearchSyntaxError {
  try {
    parseSearch(input);
  } catch (error) {
    if (error instanceof SearchSyntaxError) return error;
    throw error;
  }
  throw new Error(`"${input}" parsed without error`);
}

describe('parseSearch terms', () => {
  it('parses the contract example', () => {
    const query = parseSearch(
      'user:jane.smith action:UPDATE entity:Opportunity field:stage old_value:Qualification new_value:Proposal ip:203.0.113.0/24 source:API date:>2026-05-01',
    );
    expect(query.terms.map((term) => term.kind)).toEqual([
      'value',
      'value',
      'value',
      'value',
      'value',
      'value',
      'ip',
      'value',
      'date',
    ]);
    expect(query.terms[0]).toEqual({ kind: 'value', key: 'user', value: 'jane.smith', negated: false, position: 0 });
  });

  it('keeps a repeated key as separate terms (ORed later) and normalises enum case', () => {
    expect(terms('action:create Action:delete category:security source:Api')).toEqual([
      { kind: 'value', key: 'action', value: 'CREATE', negated: false, position: 0 },
      { kind: 'value', key: 'action', value: 'DELETE', negated: false, position: 14 },
      { kind: 'value', key: 'category', value: 'SECURITY', negated: false, position: 28 },
      { kind: 'value', key: 'source', value: 'API', negated: false, position: 46 },
    ]);
  });

  it('negates with a leading dash; a lone dash is a word', () => {
    expect(terms('-role:ADMIN -foo - x')).toEqual([
      { kind: 'value', key: 'role', value: 'ADMIN', negated: true, position: 0 },
      { kind: 'text', text: 'foo', negated: true, position: 12 },
      { kind: 'text', text: '-', negated: false, position: 17 },
      { kind: 'text', text: 'x', negated: false, position: 19 },
    ]);
  });

  it('reads quoted values, bare phrases and escapes', () => {
    expect(terms('field:"Lead Source" "two words" -"no thanks" new_value:"say \\"hi\\" \\\\ C:\\path"')).toEqual([
      { kind: 'value', key: 'field', value: 'Lead Source', negated: false, position: 0 },
      { kind: 'text', text: 'two words', negated: false, position: 20 },
      { kind: 'text', text: 'no thanks', negated: true, position: 32 },
      { kind: 'value', key: 'new_value', value: 'say "hi" \\ C:\\path', negated: false, position: 45 },
    ]);
  });

  it('parses exact addresses and CIDR ranges, clearing host bits', () => {
    expect(
      terms('ip:203.0.113.7 ip:10.1.2.3/8 ip:2001:DB8::1 ip:2001:db8::1/32 ip:0.0.0.0/0').map(
        (t) => t.kind === 'ip' && t.match,
      ),
    ).toEqual([
      { kind: 'address', address: '203.0.113.7' },
      { kind: 'cidr', cidr: '10.0.0.0/8' },
      { kind: 'address', address: '2001:db8::1' },
      { kind: 'cidr', cidr: '2001:db8::/32' },
      { kind: 'cidr', cidr: '0.0.0.0/0' },
    ]);
  });

  it('reads addresses as recordAuditEvents stores them: IPv4-mapped as IPv4, without a zone index', () => {
    expect(
      terms('ip:::ffff:203.0.113.7 ip:::ffff:10.0.0.0/104 ip:fe80::1%eth0').map((t) => t.kind === 'ip' && t.match),
    ).toEqual([
      { kind: 'address', address: '203.0.113.7' },
      { kind: 'cidr', cidr: '10.0.0.0/8' },
      { kind: 'address', address: 'fe80::1' },
    ]);
  });

  it('ignores extra whitespace; empty input has no terms', () => {
    expect(terms('')).toEqual([]);
    expect(terms('  \t ')).toEqual([]);
    expect(terms('  a\n b ').map((t) => t.position)).toEqual([2, 5]);
  });
});

describe('parseSearch dates', () => {
  it('a day is that whole UTC day', () => {
    expect(rangeOf('2026-05-01')).toEqual({
      lower: { at: iso('2026-05-01T00:00:00Z'), inclusive: true },
      upper: { at: iso('2026-05-02T00:00:00Z'), inclusive: false },
    });
  });

  it('comparisons with a day: > after the day, >= from its start, < before its start, <= to its end', () => {
    expect(rangeOf('>2026-05-01')).toEqual({ lower: { at: iso('2026-05-02T00:00:00Z'), inclusive: true } });
    expect(rangeOf('>=2026-05-01')).toEqual({ lower: { at: iso('2026-05-01T00:00:00Z'), inclusive: true } });
    expect(rangeOf('<2026-05-01')).toEqual({ upper: { at: iso('2026-05-01T00:00:00Z'), inclusive: false } });
    expect(rangeOf('<=2026-05-01')).toEqual({ upper: { at: iso('2026-05-02T00:00:00Z'), inclusive: false } });
  });

  it('comparisons with a timestamp are exact', () => {
    expect(rangeOf('<=2026-05-01T12:00:00Z')).toEqual({ upper: { at: iso('2026-05-01T12:00:00Z'), inclusive: true } });
    expect(rangeOf('<2026-05-01T12:00:00Z')).toEqual({ upper: { at: iso('2026-05-01T12:00:00Z'), inclusive: false } });
    expect(rangeOf('>2026-05-01T12:00Z')).toEqual({ lower: { at: iso('2026-05-01T12:00:00Z'), inclusive: false } });
    expect(rangeOf('>=2026-05-01T14:00:00.250+02:00')).toEqual({
      lower: { at: iso('2026-05-01T12:00:00.250Z'), inclusive: true },
    });
    expect(rangeOf('2026-05-01T12:00:00')).toEqual({
      lower: { at: iso('2026-05-01T12:00:00Z'), inclusive: true },
      upper: { at: iso('2026-05-01T12:00:00Z'), inclusive: true },
    });
  });

  it('ranges include both whole days, or both instants', () => {
    expect(rangeOf('2026-05-01..2026-05-07')).toEqual({
      lower: { at: iso('2026-05-01T00:00:00Z'), inclusive: true },
      upper: { at: iso('2026-05-08T00:00:00Z'), inclusive: false },
    });
    expect(rangeOf('2026-05-01T08:00:00Z..2026-05-01T09:00:00Z')).toEqual({
      lower: { at: iso('2026-05-01T08:00:00Z'), inclusive: true },
      upper: { at: iso('2026-05-01T09:00:00Z'), inclusive: true },
    });
  });
});

describe('parseSearch errors', () => {
  it.each([
    ['foo bar:baz', 4, /unknown key "bar"/],
    ['a -nope:1', 2, /unknown key "nope"/],
    ['x user:', 2, /user: empty value/],
    ['x -user:""', 2, /user: empty value/],
    ['x ""', 2, /empty phrase/],
    ['ok field:"Lead Source', 3, /unterminated quote/],
    ['"open', 0, /unterminated quote/],
    ['field:"a"b', 0, /closing quote/],
    ['action:FLY', 0, /action: "FLY" is not one of CREATE/],
    ['x category:nope', 2, /category: "nope"/],
    ['x  source:WEB', 3, /source: "WEB"/],
    ['ip:999.1.1.1', 0, /ip: "999.1.1.1"/],
    ['ip:10.0.0.0/33', 0, /ip:/],
    ['ip:10.1', 0, /ip:/],
    ['ip:::1/129', 0, /ip:/],
    ['date:2026-02-30', 0, /date: "2026-02-30"/],
    ['date:yesterday', 0, /date:/],
    ['date:>=', 0, /date:/],
    ['date:2026-05-01T25:00:00Z', 0, /date:/],
    ['date:2026-05-07..2026-05-01', 0, /date:/],
    ['date:2026-05-01..', 0, /date:/],
  ])('%s fails at %i', (input, position, message) => {
    const error = syntaxError(input);
    expect(error.position).toBe(position);
    expect(error.message).toMatch(message);
  });

  it('becomes BAD_USER_INPUT naming the argument, with the position', () => {
    const error = toBadUserInput(syntaxError('x bad:1'), 'input.match');
    expect(error).toBeInstanceOf(BadUserInputError);
    expect(error.message).toMatch(/^input\.match: unknown key "bad"/);
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.match', position: 2 });
    expect(() => parseSearchArgument('date:x', 'search')).toThrow(BadUserInputError);
    expect(() => parseSearchArgument('date:x', 'search')).toThrow(/^search: date:/);
  });
});

describe('formatSearch', () => {
  it('prints a query that parses to the same terms', () => {
    const input =
      '-role:admin "two words" field:"Lead Source" ip:10.1.2.3/8 date:>2026-05-01 action:create "a:b" "-x" back\\slash';
    const printed = formatSearch(parseSearch(input));
    expect(printed).toBe(
      '-role:admin "two words" field:"Lead Source" ip:10.0.0.0/8 date:>2026-05-01 action:CREATE "a:b" "-x" "back\\\\slash"',
    );
    const strip = (ts: SearchTerm[]) => ts.map(({ position: _position, ...rest }) => rest);
    expect(strip(terms(printed))).toEqual(strip(terms(input)));
  });
});

describe('parseSearch limits', () => {
  it('takes up to 1000 characters and 20 terms', () => {
    expect(terms(Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ')).length).toBe(20);
    expect(terms(`"${'x'.repeat(998)}"`)).toHaveLength(1);
  });

  it('refuses a longer search before reading it, and the 21st term where it starts', () => {
    expect(syntaxError('x'.repeat(1001))).toMatchObject({
      message: 'is 1001 characters long; at most 1000 are allowed',
      position: 1000,
    });
    const words = Array.from({ length: 21 }, (_, i) => `w${i}`).join(' ');
    expect(syntaxError(words)).toMatchObject({ message: 'has more than 20 terms', position: words.indexOf('w20') });
  });

  it('names the argument the text came from', () => {
    expect(() => parseSearchArgument('-w '.repeat(400), 'input.match')).toThrow(
      /^input\.match: is 1200 characters long; at most 1000 are allowed/,
    );
  });
});
