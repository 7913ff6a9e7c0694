// Seeded randomness for everything data-related: the same seed gives the same shuffle, the same split and
// the same batch order on every machine, which is what makes "same seed => same result" possible.

/** A small, fast 32-bit PRNG (mulberry32). Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[] | Uint32Array | Int32Array, rand: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
}

export function range(n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

export interface Split {
  train: number[];
  validation: number[];
}

/**
 * Splits row indices 0..n-1 into training and validation sets. With `shuffle`, rows are shuffled with
 * the seed first; without it the last `validationSplit` of the rows are held out (as Keras does).
 * Validation gets round(n * validationSplit) rows, but training always keeps at least one row.
 */
export function splitIndices(n: number, validationSplit: number, shuffle: boolean, seed: number): Split {
  const idx = range(n);
  if (shuffle) shuffleInPlace(idx, mulberry32(seed ^ 0x5eed));
  const nVal = splitCounts(n, validationSplit).validation;
  return { train: idx.slice(0, n - nVal), validation: idx.slice(n - nVal) };
}

/** How many of n rows train and how many validate (the plan states these before any row is read). */
export function splitCounts(n: number, validationSplit: number): { train: number; validation: number } {
  const nVal = Math.max(0, Math.min(Math.round(n * validationSplit), n - 1));
  return { train: Math.max(0, n - nVal), validation: nVal };
}

/** A seed for runs that did not ask for one; recorded in run.json so the run can be repeated. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
