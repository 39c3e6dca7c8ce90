import { NOT_UNICODE } from '../text';

const SURROGATE_ESCAPE = /\\ud[89a-f]/i;

/** Why a JSON value cannot be stored, or null when it can. */
export function jsonProblem(value: unknown, maxBytes: number, maxDepth: number): string | null {
  // Most values are short strings or numbers: no need to serialise them to know they fit. A string
  // takes at most 6 bytes of JSON per UTF-16 unit (`\u001f`), plus its quotes; its JSON holds
  // `\u0000` exactly when it holds a NUL or the six characters \u0000 (whose backslash is escaped).
  if (typeof value === 'string' && value.length * 6 + 2 <= maxBytes) {
    if (value.includes('\u0000') || value.includes('\\u0000')) return 'contains a NUL character';
    return value.isWellFormed() ? null : NOT_UNICODE;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return null;
  const text = JSON.stringify(value);
  if (text === undefined) return null;
  if (Buffer.byteLength(text) > maxBytes) return `is larger than ${maxBytes} bytes of JSON`;
  if (text.includes('\\u0000')) return 'contains a NUL character';
  // JSON.stringify writes a lone surrogate as an escape (\ud800), which PostgreSQL's jsonb refuses:
  // the rare text holding such an escape is walked to tell a real one from a literal backslash.
  if (SURROGATE_ESCAPE.test(text) && holdsLoneSurrogate(value)) return NOT_UNICODE;
  if (depthOf(value) > maxDepth) return `is nested deeper than ${maxDepth} levels`;
  return null;
}

function holdsLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return !value.isWellFormed();
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(holdsLoneSurrogate);
  return Object.entries(value).some(([key, item]) => !key.isWellFormed() || holdsLoneSurrogate(item));
}

function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  let deepest = 0;
  for (const child of children) deepest = Math.max(deepest, depthOf(child));
  return deepest + 1;
}
