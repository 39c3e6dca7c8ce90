import { SEARCH_KEYS, type SearchKey, type SearchQuery, type SearchTerm } from './ast';
import { SearchSyntaxError, toBadUserInput } from './errors';
import { keyedTerm } from './keyed-term';
import { SEARCH_LIMITS } from './limits';

const isSpace = (char: string | undefined): boolean => char !== undefined && /\s/.test(char);

/** Reads a double-quoted string starting at `quoteAt`; only `\"` and `\\` are escapes. */
function readQuoted(input: string, quoteAt: number, termStart: number): { text: string; next: number } {
  let text = '';
  for (let i = quoteAt + 1; i < input.length; i++) {
    const char = input[i];
    const following = input[i + 1];
    if (char === '\\' && (following === '"' || following === '\\')) {
      text += following;
      i++;
    } else if (char === '"') {
      if (i + 1 < input.length && !isSpace(following)) {
        throw new SearchSyntaxError('a closing quote must end the term', termStart);
      }
      return { text, next: i + 1 };
    } else {
      text += char;
    }
  }
  throw new SearchSyntaxError('unterminated quote', termStart);
}

function readValue(input: string, at: number, termStart: number): { text: string; next: number } {
  if (input[at] === '"') return readQuoted(input, at, termStart);
  let end = at;
  while (end < input.length && !isSpace(input[end])) end++;
  return { text: input.slice(at, end), next: end };
}

function readTerm(input: string, start: number): { term: SearchTerm; next: number } {
  const negated = input[start] === '-' && start + 1 < input.length && !isSpace(input[start + 1]);
  const at = negated ? start + 1 : start;
  if (input[at] === '"') {
    const { text, next } = readQuoted(input, at, start);
    if (text === '') throw new SearchSyntaxError('empty phrase', start);
    return { term: { kind: 'text', text, negated, position: start }, next };
  }
  let end = at;
  while (end < input.length && !isSpace(input[end]) && input[end] !== ':') end++;
  if (input[end] !== ':') {
    while (end < input.length && !isSpace(input[end])) end++;
    return { term: { kind: 'text', text: input.slice(at, end), negated, position: start }, next: end };
  }
  const key = input.slice(at, end).toLowerCase() as SearchKey;
  if (!SEARCH_KEYS.includes(key)) {
    throw new SearchSyntaxError(`unknown key "${input.slice(at, end)}" (known: ${SEARCH_KEYS.join(', ')})`, start);
  }
  const { text, next } = readValue(input, end + 1, start);
  return { term: keyedTerm(key, text, negated, start), next };
}

/** @throws SearchSyntaxError on a malformed term, or past SEARCH_LIMITS. */
export function parseSearch(input: string): SearchQuery {
  const { maxLength, maxTerms } = SEARCH_LIMITS;
  if (input.length > maxLength)
    throw new SearchSyntaxError(`is ${input.length} characters long; at most ${maxLength} are allowed`, maxLength);
  const terms: SearchTerm[] = [];
  let index = 0;
  while (index < input.length) {
    if (isSpace(input[index])) {
      index++;
      continue;
    }
    if (terms.length === maxTerms) throw new SearchSyntaxError(`has more than ${maxTerms} terms`, index);
    const { term, next } = readTerm(input, index);
    terms.push(term);
    index = next;
  }
  return { terms };
}

/** parseSearch for a client's argument: syntax errors become BAD_USER_INPUT naming `argument`. */
export function parseSearchArgument(input: string, argument: string): SearchQuery {
  try {
    return parseSearch(input);
  } catch (error) {
    if (error instanceof SearchSyntaxError) throw toBadUserInput(error, argument);
    throw error;
  }
}
