// Keeps a curve of any length drawable in a few milliseconds: per pixel-wide bucket of x, the first,
// lowest, highest and last points survive (M4), so the drawn line has the same extremes as the full one.

export interface XY {
  xs: number[];
  ys: (number | null)[];
}

const isGap = (y: number | null | undefined): boolean => y === null || y === undefined || !Number.isFinite(y);

/**
 * Indices to keep of the points `from..to-1` (x ascending) so that every series in `yss` keeps, per
 * bucket of x, its first, lowest, highest and last finite value. All series share the kept indices, so
 * train and validation columns of one run stay on one x axis without aligning them afterwards. A bucket
 * where every series is a gap keeps its first index, so the line breaks there. Short ranges come back
 * whole. No allocation per point: the work is one pass over each series.
 */
export function m4Indices(xs: ArrayLike<number>, yss: readonly ArrayLike<number | null>[], buckets: number, from = 0, to = xs.length): Int32Array {
  const n = Math.max(0, to - from);
  if (n <= Math.max(4, buckets * 4)) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = from + i;
    return all;
  }
  const mark = new Uint8Array(n);
  const x0 = xs[from];
  const span = xs[to - 1] - x0 || 1;
  const scale = buckets / span;
  // Bucket bounds once, then one pass per series: points with x below bound[b] fall in bucket b.
  const bucketEnd = new Int32Array(buckets);
  let i = from;
  for (let b = 0; b < buckets; b++) {
    const bound = b === buckets - 1 ? Infinity : x0 + (b + 1) / scale;
    while (i < to && xs[i] < bound) i++;
    bucketEnd[b] = i;
  }
  let start = from;
  for (let b = 0; b < buckets; b++) {
    const end = bucketEnd[b];
    if (end === start) continue;
    let any = false;
    for (const ys of yss) {
      let firstI = -1;
      let lastI = -1;
      let minI = -1;
      let maxI = -1;
      let min = Infinity;
      let max = -Infinity;
      for (let k = start; k < end; k++) {
        const v = ys[k] as number;
        // Finite numbers only: v - v is NaN for NaN and ±Infinity; null (plain arrays) is checked apart.
        if (v - v !== 0 || (v as number | null) === null) continue;
        if (firstI < 0) firstI = k;
        lastI = k;
        if (v < min) {
          min = v;
          minI = k;
        }
        if (v > max) {
          max = v;
          maxI = k;
        }
      }
      if (firstI < 0) continue;
      any = true;
      mark[firstI - from] = 1;
      mark[lastI - from] = 1;
      mark[minI - from] = 1;
      mark[maxI - from] = 1;
    }
    if (!any) mark[start - from] = 1;
    start = end;
  }
  let count = 0;
  for (let k = 0; k < n; k++) count += mark[k];
  const out = new Int32Array(count);
  let j = 0;
  for (let k = 0; k < n; k++) if (mark[k]) out[j++] = from + k;
  return out;
}

/** One series through `m4Indices`; gaps (null, NaN) come back as null. */
export function downsampleMinMax(xs: ArrayLike<number>, ys: ArrayLike<number | null>, buckets: number): XY {
  const n = Math.min(xs.length, ys.length);
  const keep = m4Indices(xs, [ys], buckets, 0, n);
  return { xs: pick(xs, keep), ys: pickY(ys, keep) };
}

export function pick(xs: ArrayLike<number>, keep: Int32Array): number[] {
  const out: number[] = new Array(keep.length);
  for (let i = 0; i < keep.length; i++) out[i] = xs[keep[i]];
  return out;
}

export function pickY(ys: ArrayLike<number | null>, keep: Int32Array): (number | null)[] {
  const out: (number | null)[] = new Array(keep.length);
  for (let i = 0; i < keep.length; i++) {
    const y = ys[keep[i]];
    out[i] = isGap(y) ? null : y;
  }
  return out;
}

/** First index in `xs` (ascending) whose value is >= `x`. */
export function lowerBound(xs: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Several series sharing one x axis (a group), for `alignSeries`. */
export interface XYGroup {
  xs: number[];
  ys: (number | null)[][];
}

/**
 * Puts several groups of series on one shared, ascending x axis (what uPlot draws), with null where a
 * series has no point at that x. One group comes back as it is.
 */
export function alignGroups(groups: XYGroup[]): { xs: number[]; ys: (number | null)[][] } {
  if (groups.length === 1) return { xs: groups[0].xs, ys: groups[0].ys };
  const all = new Set<number>();
  for (const g of groups) for (const x of g.xs) all.add(x);
  const xs = Array.from(all).sort((a, b) => a - b);
  const index = new Map<number, number>();
  xs.forEach((x, i) => index.set(x, i));
  const ys: (number | null)[][] = [];
  for (const g of groups) {
    const at = g.xs.map((x) => index.get(x) as number);
    for (const s of g.ys) {
      const col: (number | null)[] = new Array(xs.length).fill(null);
      for (let i = 0; i < at.length; i++) col[at[i]] = s[i];
      ys.push(col);
    }
  }
  return { xs, ys };
}

/** `alignGroups` with one series per group. */
export function alignSeries(series: XY[]): { xs: number[]; ys: (number | null)[][] } {
  if (series.length === 1) return { xs: series[0].xs, ys: [series[0].ys] };
  return alignGroups(series.map((s) => ({ xs: s.xs, ys: [s.ys] })));
}
