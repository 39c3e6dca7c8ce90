/**
 * Why PostgreSQL cannot store a text, or null: it refuses NUL in text and jsonb, and UTF-8 has no
 * spelling for half of a UTF-16 surrogate pair (`!isWellFormed()`). Checked where text comes in,
 * so that it is a refusal naming the input rather than a failed statement.
 */
export function unstorableTextProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character';
  if (!text.isWellFormed()) return NOT_UNICODE;
  return null;
}

export const NOT_UNICODE = 'is not valid Unicode (a lone surrogate)';
