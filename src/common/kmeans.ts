// k-means on plain arrays, seeded: k-means++ picks the first centres (each next one with probability
// proportional to its squared distance from the nearest centre already chosen), then Lloyd's iterations
// until no point changes cluster. The same points, k and seed give the same clusters on every machine.
// Neutral: no Node, DOM or TensorFlow.js (the trainer and the dashboard can both use it).
import { mulberry32 } from './split';

export interface KMeansResult {
  k: number;
  dims: number;
  /** k x dims, row-major. */
  centroids: number[][];
  /** The cluster of each point. */
  assignments: number[];
  /** Sum of squared distances of the points to their centroid. */
  inertia: number;
  iterations: number;
}

function dist2(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const t = a[ai + j] - b[bi + j];
    s += t * t;
  }
  return s;
}

/** The index of the centroid nearest to `point` (ties go to the lower index). */
export function nearestCentroid(point: ArrayLike<number>, centroids: readonly (readonly number[])[]): number {
  let best = 0;
  let bestD = Infinity;
  for (let c = 0; c < centroids.length; c++) {
    const d = dist2(point, 0, centroids[c], 0, point.length);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/**
 * Clusters `n` points of `dims` values each (`points` row-major) into `k` groups. k must be 1..n.
 * An emptied cluster keeps its previous centre.
 */
export function kmeans(points: ArrayLike<number>, n: number, dims: number, k: number, seed: number, maxIterations = 300): KMeansResult {
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`k-means: k must be between 1 and the number of points (${n}), got ${k}`);
  const rand = mulberry32(seed ^ 0x6b6d);
  const centres = new Float64Array(k * dims);
  // k-means++ seeding.
  const first = Math.floor(rand() * n);
  for (let j = 0; j < dims; j++) centres[j] = points[first * dims + j];
  const nearest = new Float64Array(n);
  for (let i = 0; i < n; i++) nearest[i] = dist2(points, i * dims, centres, 0, dims);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += nearest[i];
    let pick = n - 1;
    if (total > 0) {
      let r = rand() * total;
      for (let i = 0; i < n; i++) {
        r -= nearest[i];
        if (r < 0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = Math.floor(rand() * n);
    }
    for (let j = 0; j < dims; j++) centres[c * dims + j] = points[pick * dims + j];
    for (let i = 0; i < n; i++) nearest[i] = Math.min(nearest[i], dist2(points, i * dims, centres, c * dims, dims));
  }

  const assign = new Int32Array(n).fill(-1);
  const sums = new Float64Array(k * dims);
  const counts = new Int32Array(k);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = dist2(points, i * dims, centres, c * dims, dims);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      if (assign[i] !== best) {
        assign[i] = best;
        changed++;
      }
    }
    if (changed === 0) break;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assign[i];
      counts[c]++;
      for (let j = 0; j < dims; j++) sums[c * dims + j] += points[i * dims + j];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      for (let j = 0; j < dims; j++) centres[c * dims + j] = sums[c * dims + j] / counts[c];
    }
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += dist2(points, i * dims, centres, assign[i] * dims, dims);
  const centroids: number[][] = [];
  for (let c = 0; c < k; c++) centroids.push(Array.from(centres.subarray(c * dims, (c + 1) * dims)));
  return { k, dims, centroids, assignments: Array.from(assign), inertia, iterations };
}
