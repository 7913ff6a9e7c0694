// Summary statistics and a histogram of a layer's kernel, for the network diagram's weight view. Shared by
// the trainer (live snapshots) and the dashboard's loader (the saved model of a finished run), so both
// describe weights the same way.
import type { LayerWeights } from '../protocol/trainer';

export const HISTOGRAM_BINS = 20;

export function weightStats(values: Float32Array): LayerWeights['stats'] {
  const histogram = new Array<number>(HISTOGRAM_BINS).fill(0);
  if (!values.length) return { min: 0, max: 0, mean: 0, std: 0, histogram, histMin: 0, histMax: 0 };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const mean = sum / values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  const span = max - min || 1;
  for (const v of values) histogram[Math.min(HISTOGRAM_BINS - 1, Math.floor(((v - min) / span) * HISTOGRAM_BINS))]++;
  return { min, max, mean, std: Math.sqrt(sq / values.length), histogram, histMin: min, histMax: max };
}
