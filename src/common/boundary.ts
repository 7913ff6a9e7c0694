// The decision-boundary view for data with two input features: a grid of inputs in the features'
// original units over the data range (plus a margin), predicted by the host, drawn as a heat map.
import type { DecisionBoundaryView, PredictionView } from '../protocol/webview';
import { predictedClass } from './classify';

export interface Range {
  min: number;
  max: number;
}

/** The range of a feature over rows, widened by `margin` of its span on each side. */
export function featureRange(rows: readonly Record<string, unknown>[], name: string, margin = 0.1): Range | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const r of rows) {
    const v = r[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return undefined;
  const span = max - min || Math.abs(max) || 1;
  return { min: min - span * margin, max: max + span * margin };
}

export function linspace(r: Range, n: number): number[] {
  if (n <= 1) return [(r.min + r.max) / 2];
  return Array.from({ length: n }, (_, i) => r.min + ((r.max - r.min) * i) / (n - 1));
}

/** Grid inputs, ys outer and xs inner, each a row with the two feature columns. */
export function gridInputs(xName: string, yName: string, xs: number[], ys: number[]): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (const y of ys) for (const x of xs) out.push({ [xName]: x, [yName]: y });
  return out;
}

/** Turns the predictions of the grid into the view (class index and confidence, or value). */
export function boundaryFromPredictions(
  runDir: string, xName: string, yName: string, xs: number[], ys: number[],
  predictions: readonly PredictionView[], classNames?: string[],
): DecisionBoundaryView {
  if (classNames?.length) {
    const z: number[] = [];
    const confidence: number[] = [];
    for (const p of predictions) {
      const { name, confidence: c } = predictedClass(p, classNames);
      z.push(Math.max(0, classNames.indexOf(name)));
      confidence.push(c);
    }
    return { runDir, xName, yName, xs, ys, z, confidence, classNames };
  }
  return { runDir, xName, yName, xs, ys, z: predictions.map((p) => p.output[0] ?? NaN) };
}
