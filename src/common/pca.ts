// Principal component analysis to two dimensions, for plotting codes and embeddings: the two directions
// along which the points vary most (power iteration on the covariance matrix, the second after removing
// the first). Deterministic: a fixed start vector and each component's sign fixed so that its largest
// entry is positive. Neutral: no Node, DOM or TensorFlow.js.

export interface Pca2 {
  dims: number;
  mean: number[];
  /** Two unit vectors of `dims` values (fewer when dims < 2). */
  components: number[][];
  /** Variance along each component. */
  variance: number[];
}

function powerIteration(cov: Float64Array, d: number, iterations = 200): { v: Float64Array; lambda: number } {
  let v = new Float64Array(d);
  for (let j = 0; j < d; j++) v[j] = 1 / Math.sqrt(d) + (j % 2 ? 1e-3 : -1e-3) * (j + 1);
  let lambda = 0;
  for (let it = 0; it < iterations; it++) {
    const w = new Float64Array(d);
    for (let r = 0; r < d; r++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += cov[r * d + c] * v[c];
      w[r] = s;
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += w[j] * w[j];
    norm = Math.sqrt(norm);
    if (norm < 1e-300) return { v, lambda: 0 };
    for (let j = 0; j < d; j++) w[j] /= norm;
    let delta = 0;
    for (let j = 0; j < d; j++) delta += Math.abs(w[j] - v[j]);
    v = w;
    lambda = norm;
    if (delta < 1e-12) break;
  }
  let big = 0;
  for (let j = 1; j < d; j++) if (Math.abs(v[j]) > Math.abs(v[big])) big = j;
  if (v[big] < 0) for (let j = 0; j < d; j++) v[j] = -v[j];
  return { v, lambda };
}

/** Fits the two principal components of `n` points of `dims` values each (row-major). */
export function fitPca2(points: ArrayLike<number>, n: number, dims: number): Pca2 {
  const mean = new Array<number>(dims).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < dims; j++) mean[j] += points[i * dims + j];
  for (let j = 0; j < dims; j++) mean[j] /= Math.max(1, n);
  const cov = new Float64Array(dims * dims);
  const row = new Float64Array(dims);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dims; j++) row[j] = points[i * dims + j] - mean[j];
    for (let r = 0; r < dims; r++) {
      const a = row[r];
      for (let c = r; c < dims; c++) cov[r * dims + c] += a * row[c];
    }
  }
  for (let r = 0; r < dims; r++) {
    for (let c = r; c < dims; c++) {
      cov[r * dims + c] /= Math.max(1, n - 1);
      cov[c * dims + r] = cov[r * dims + c];
    }
  }
  const components: number[][] = [];
  const variance: number[] = [];
  for (let p = 0; p < Math.min(2, dims); p++) {
    const { v, lambda } = powerIteration(cov, dims);
    components.push(Array.from(v));
    variance.push(lambda);
    // Deflate: remove this direction so the next iteration finds the next one.
    for (let r = 0; r < dims; r++) for (let c = 0; c < dims; c++) cov[r * dims + c] -= lambda * v[r] * v[c];
  }
  return { dims, mean, components, variance };
}

/** Each point as [x, y]: its coordinates along the two components (0 where there is no second one). */
export function projectPca2(pca: Pca2, points: ArrayLike<number>, n: number): [number, number][] {
  const d = pca.dims;
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const xy: [number, number] = [0, 0];
    pca.components.forEach((comp, p) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (points[i * d + j] - pca.mean[j]) * comp[j];
      xy[p] = s;
    });
    out.push(xy);
  }
  return out;
}

/** Points as 2-D coordinates: as they are when they have one or two values, their PCA otherwise. */
export function to2d(points: ArrayLike<number>, n: number, dims: number): [number, number][] {
  if (dims === 2 || dims === 1) {
    const out: [number, number][] = [];
    for (let i = 0; i < n; i++) out.push([points[i * dims], dims === 2 ? points[i * dims + 1] : 0]);
    return out;
  }
  return projectPca2(fitPca2(points, n, dims), points, n);
}
