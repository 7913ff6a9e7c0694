// Regression results on the validation rows: predicted against actual, and the errors.
import type { PredictionView } from '../../src/protocol/webview';

export interface RegressionPoints {
  actual: number[];
  predicted: number[];
  errors: number[];
  mae: number;
  rmse: number;
  /** Coefficient of determination; NaN when the actual values do not vary. */
  r2: number;
}

function firstNumber(v: PredictionView['expected']): number | undefined {
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Points for output `target` (default the first) of rows that have a known answer. */
export function regressionPoints(predictions: readonly PredictionView[], target = 0): RegressionPoints {
  const actual: number[] = [];
  const predicted: number[] = [];
  for (const p of predictions) {
    const a = Array.isArray(p.expected) ? p.expected[target] : target === 0 ? firstNumber(p.expected) : undefined;
    const y = p.output[target];
    if (typeof a !== 'number' || !Number.isFinite(a) || !Number.isFinite(y)) continue;
    actual.push(a);
    predicted.push(y);
  }
  const errors = predicted.map((y, i) => y - actual[i]);
  const n = errors.length;
  const mae = n ? errors.reduce((s, e) => s + Math.abs(e), 0) / n : NaN;
  const mse = n ? errors.reduce((s, e) => s + e * e, 0) / n : NaN;
  const mean = n ? actual.reduce((s, a) => s + a, 0) / n : NaN;
  const ssTot = actual.reduce((s, a) => s + (a - mean) * (a - mean), 0);
  const r2 = ssTot > 0 ? 1 - (mse * n) / ssTot : NaN;
  return { actual, predicted, errors, mae, rmse: Math.sqrt(mse), r2 };
}
