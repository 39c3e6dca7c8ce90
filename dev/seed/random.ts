import { createHash } from 'node:crypto';

/** A deterministic pseudo-random source (sfc32), so that the demo history is the same at every run. */
export interface Random {
  /** In [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** A number in [min, max). */
  between(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** An item chosen with the given weights (same length as items). */
  weighted<T>(items: readonly T[], weights: readonly number[]): T;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Independent streams per name: changing one generator does not reshuffle the others. */
export function createRandom(name: string): Random {
  const seed = digest(`audit-subgraph demo history:${name}`);
  let [a, b, c, d] = [0, 4, 8, 12].map((offset) => seed.readUInt32LE(offset));
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    between: (min, max) => min + next() * (max - min),
    chance: (probability) => next() < probability,
    pick: (items) => items[Math.floor(next() * items.length)],
    weighted(items, weights) {
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      let roll = next() * total;
      for (let i = 0; i < items.length; i++) if ((roll -= weights[i]) < 0) return items[i];
      return items[items.length - 1];
    },
  };
  return random;
}

/** A UUID (version 8, name-based) that is the same for the same parts at every run. */
export function stableUuid(...parts: string[]): string {
  const bytes = digest(parts.join('\u0000')).subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
