import type { SearchQuery, SearchTerm } from './ast';
import { formatIpMatch } from './ip-match';

function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}

// A bare word also needs quotes when it would read as a key or a negation.
function word(text: string): string {
  return /[\s":\\]/.test(text) || text.startsWith('-') ? quoted(text) : text;
}

function value(text: string): string {
  return /[\s"\\]/.test(text) ? quoted(text) : text;
}

function formatTerm(term: SearchTerm): string {
  const sign = term.negated ? '-' : '';
  switch (term.kind) {
    case 'text':
      return sign + word(term.text);
    case 'value':
      return `${sign}${term.key}:${value(term.value)}`;
    case 'date':
      return `${sign}date:${value(term.raw)}`;
    case 'ip':
      return `${sign}ip:${formatIpMatch(term.match)}`;
  }
}

/** The query in the search syntax, normalised; parsing it again gives the same terms (positions aside). */
export function formatSearch(query: SearchQuery): string {
  return query.terms.map(formatTerm).join(' ');
}
