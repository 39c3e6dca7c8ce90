/**
 * State of one request kept on its context value, under a symbol: it lives and dies with the
 * request. A WeakMap keyed by the context would do the same, but V8's young-generation collector
 * keeps a WeakMap entry's value alive, so each request's state (and all it reaches) would be
 * copied and promoted to the old generation (bench/README.md, the producer plugin). A context
 * value that cannot take a property (frozen) falls back to a WeakMap.
 */
const frozenContexts = new WeakMap<object, Map<symbol, unknown>>();

export function keep(context: object, key: symbol, value: unknown): void {
  try {
    (context as Record<symbol, unknown>)[key] = value;
    return;
  } catch {
    // Frozen or not extensible (strict mode throws).
  }
  const kept = frozenContexts.get(context);
  if (kept) kept.set(key, value);
  else frozenContexts.set(context, new Map([[key, value]]));
}

export function kept<T>(context: object, key: symbol): T | undefined {
  return ((context as Record<symbol, T | undefined>)[key] ?? frozenContexts.get(context)?.get(key)) as T | undefined;
}
