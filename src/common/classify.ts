// Classification results on the validation rows: confusion matrix, per-class accuracy, and the rows
// ordered so the mistakes come first.
import type { PredictionView } from '../protocol/webview';

export interface ClassRow {
  index: number;
  expected: string;
  predicted: string;
  confidence: number;
  correct: boolean;
  input: Record<string, unknown>;
}

export interface ConfusionMatrix {
  classNames: string[];
  /** matrix[expected][predicted] = number of rows. */
  matrix: number[][];
  perClass: { name: string; correct: number; total: number; accuracy: number }[];
  correct: number;
  total: number;
  accuracy: number;
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** The class name an `expected` value stands for: a name, an index, or a one-hot / probability vector. */
export function expectedClass(expected: PredictionView['expected'], classNames: readonly string[]): string | undefined {
  if (expected === undefined || expected === null) return undefined;
  if (Array.isArray(expected)) {
    if (expected.length === 1 && classNames.length === 2) return classNames[expected[0] >= 0.5 ? 1 : 0];
    return classNames[argmax(expected)];
  }
  const asText = String(expected);
  if (classNames.includes(asText)) return asText;
  if (typeof expected === 'number' && Number.isInteger(expected) && expected >= 0 && expected < classNames.length) {
    return classNames[expected];
  }
  return asText;
}

/** Predicted class and its probability; a single sigmoid output is P(second class). */
export function predictedClass(p: PredictionView, classNames: readonly string[]): { name: string; confidence: number } {
  if (p.output.length === 1 && classNames.length === 2) {
    const prob = p.output[0];
    const name = p.label ?? classNames[prob >= 0.5 ? 1 : 0];
    return { name, confidence: p.confidence ?? (prob >= 0.5 ? prob : 1 - prob) };
  }
  const i = argmax(p.output);
  return { name: p.label ?? classNames[i] ?? String(i), confidence: p.confidence ?? p.output[i] ?? 0 };
}

export function classRows(predictions: readonly PredictionView[], classNames: readonly string[]): ClassRow[] {
  const rows: ClassRow[] = [];
  predictions.forEach((p, index) => {
    const expected = expectedClass(p.expected, classNames);
    if (expected === undefined) return;
    const { name, confidence } = predictedClass(p, classNames);
    rows.push({ index, expected, predicted: name, confidence, correct: name === expected, input: p.input });
  });
  // Mistakes first, the most confident mistakes on top: those are the ones worth looking at.
  rows.sort((a, b) => Number(a.correct) - Number(b.correct) || b.confidence - a.confidence || a.index - b.index);
  return rows;
}

export function confusionMatrix(predictions: readonly PredictionView[], classNames: readonly string[]): ConfusionMatrix {
  const names = [...classNames];
  const at = new Map<string, number>(names.map((n, i) => [n, i]));
  const indexOf = (name: string): number => {
    let i = at.get(name);
    if (i === undefined) {
      i = names.length;
      names.push(name);
      at.set(name, i);
    }
    return i;
  };
  const pairs: [number, number][] = [];
  for (const r of classRows(predictions, classNames)) pairs.push([indexOf(r.expected), indexOf(r.predicted)]);
  const matrix = names.map(() => new Array<number>(names.length).fill(0));
  for (const [e, p] of pairs) matrix[e][p]++;
  const perClass = names.map((name, i) => {
    const total = matrix[i].reduce((a, b) => a + b, 0);
    return { name, correct: matrix[i][i], total, accuracy: total ? matrix[i][i] / total : 0 };
  });
  const correct = perClass.reduce((a, c) => a + c.correct, 0);
  return { classNames: names, matrix, perClass, correct, total: pairs.length, accuracy: pairs.length ? correct / pairs.length : 0 };
}
