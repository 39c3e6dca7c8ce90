/** Why a JSON value cannot be stored, or null when it can. */
export function jsonProblem(value: unknown, maxBytes: number, maxDepth: number): string | null {
  const text = JSON.stringify(value);
  if (text === undefined) return null;
  if (Buffer.byteLength(text) > maxBytes) return `is larger than ${maxBytes} bytes of JSON`;
  if (text.includes('\\u0000')) return 'contains a NUL character';
  if (depthOf(value) > maxDepth) return `is nested deeper than ${maxDepth} levels`;
  return null;
}

function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  let deepest = 0;
  for (const child of children) deepest = Math.max(deepest, depthOf(child));
  return deepest + 1;
}
