// Exponential moving average as TensorBoard draws it: the running average starts at zero, so early
// values are divided by (1 - w^n) to remove the pull towards zero ("de-biasing").

/** Smooths `values` with weight `weight` in [0, 1); non-finite values pass through unchanged. */
export function emaSmooth(values: ArrayLike<number | null>, weight: number): (number | null)[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const out: (number | null)[] = new Array(values.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || !Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    n++;
    const debias = w === 0 ? 1 : 1 - Math.pow(w, n);
    out[i] = last / debias;
  }
  return out;
}

/** The same over a typed array, NaN for gaps: no per-point allocation, for 100,000-point curves. */
export function emaSmoothTyped(values: Float64Array, weight: number): Float64Array {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const out = new Float64Array(values.length);
  let last = 0;
  // w^n: once it is below double precision the de-biasing divides by 1 and is skipped (and w^n never
  // reaches the slow subnormal range).
  let wn = 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // v - v is 0 for finite numbers only (NaN and ±Infinity give NaN).
    if (v - v !== 0) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    if (wn > 1e-17) {
      wn *= w;
      out[i] = last / (1 - wn);
    } else out[i] = last;
  }
  return out;
}
