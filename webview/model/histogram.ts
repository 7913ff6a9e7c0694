// Histograms of weights (a selected layer) and of prediction errors (regression).

export interface Histogram {
  min: number;
  max: number;
  counts: number[];
}

/** Equal-width bins over [min, max] (default: the data range); non-finite values are skipped. */
export function histogram(values: ArrayLike<number>, bins: number, range?: { min: number; max: number }): Histogram {
  let min = range?.min ?? Infinity;
  let max = range?.max ?? -Infinity;
  if (!range) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const n = Math.max(1, Math.floor(bins));
  const counts = new Array<number>(n).fill(0);
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 0, counts };
  if (max === min) {
    // Every value equal: one visible bar in the middle rather than a division by zero.
    let c = 0;
    for (let i = 0; i < values.length; i++) if (values[i] === min) c++;
    counts[Math.floor(n / 2)] = c;
    return { min: min - 0.5, max: max + 0.5, counts };
  }
  const width = (max - min) / n;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || v < min || v > max) continue;
    counts[Math.min(n - 1, Math.floor((v - min) / width))]++;
  }
  return { min, max, counts };
}
