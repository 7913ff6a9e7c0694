// The baseline a trained network must beat: what a "model" that ignores the inputs scores on the validation
// rows. Classification: always answering the training split's most common class. Regression: always
// answering the training split's mean. Pure (no Node, DOM or TensorFlow.js): the trainer computes it, the
// CLI, dashboard, sidebar and run comparison show it.

export type Baseline =
  | {
      task: 'classification';
      /** The most common class of the training rows. */
      majorityClass: string;
      /** Its share of the validation rows: the accuracy of always answering it (0..1). */
      accuracy: number;
      /** Cross-entropy of always answering the training class frequencies (the loss a network starts near). */
      loss?: number;
      /** Rows it was computed on ("validation", or "training" when there is no validation split). */
      rows: number;
      split: 'validation' | 'training';
    }
  | {
      task: 'regression';
      /** The training rows' mean target (one per target column). */
      mean: number[];
      /** Errors of always answering it, in the target's units, averaged over the target columns. */
      mae: number;
      mse: number;
      /** The same in the run's loss, when the loss is one of MSE / MAE. */
      loss?: number;
      rows: number;
      split: 'validation' | 'training';
    };

/** Clamp as Keras does, so a class never seen in training does not make the loss infinite. */
const EPSILON = 1e-7;

/**
 * `labels`: class index of every prepared row; `train`/`validation`: row indices. Binary tasks use binary
 * cross-entropy on the second class's frequency, others categorical cross-entropy.
 */
export function classificationBaseline(labels: ArrayLike<number>, classNames: readonly string[], train: readonly number[], validation: readonly number[]): Baseline {
  const counts = new Array<number>(classNames.length).fill(0);
  for (const r of train) counts[labels[r]]++;
  let majority = 0;
  for (let c = 1; c < counts.length; c++) if (counts[c] > counts[majority]) majority = c;
  const rows = validation.length ? validation : train;
  const total = Math.max(1, train.length);
  const p = counts.map((k) => Math.min(1 - EPSILON, Math.max(EPSILON, k / total)));
  let right = 0;
  let loss = 0;
  for (const r of rows) {
    const y = labels[r];
    if (y === majority) right++;
    if (classNames.length === 2) loss -= y === 1 ? Math.log(p[1]) : Math.log(1 - p[1]);
    else loss -= Math.log(p[y]);
  }
  return {
    task: 'classification',
    majorityClass: classNames[majority] ?? String(majority),
    accuracy: rows.length ? right / rows.length : 0,
    loss: rows.length ? loss / rows.length : undefined,
    rows: rows.length,
    split: validation.length ? 'validation' : 'training',
  };
}

/**
 * `targets`: the prepared rows' targets, `width` values per row, in the target's own units.
 * `loss`: the run's loss, to express the baseline in it too.
 */
export function regressionBaseline(targets: ArrayLike<number>, width: number, train: readonly number[], validation: readonly number[], loss?: string): Baseline {
  const mean = new Array<number>(width).fill(0);
  for (const r of train) for (let j = 0; j < width; j++) mean[j] += targets[r * width + j];
  for (let j = 0; j < width; j++) mean[j] /= Math.max(1, train.length);
  const rows = validation.length ? validation : train;
  let abs = 0;
  let sq = 0;
  for (const r of rows) {
    for (let j = 0; j < width; j++) {
      const d = targets[r * width + j] - mean[j];
      abs += Math.abs(d);
      sq += d * d;
    }
  }
  const n = Math.max(1, rows.length * width);
  const b: Baseline = { task: 'regression', mean, mae: abs / n, mse: sq / n, rows: rows.length, split: validation.length ? 'validation' : 'training' };
  if (loss === 'meanSquaredError') b.loss = b.mse;
  else if (loss === 'meanAbsoluteError') b.loss = b.mae;
  return b;
}

/** A number as people read it: 3 significant digits, no exponent for everyday magnitudes. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  if (a >= 100) return String(Math.round(v));
  return String(Number(v.toPrecision(3)));
}

export function pct(v: number): string {
  return `${Number((v * 100).toFixed(1))}%`;
}

/** "always answering "rain": accuracy 44%" / "always answering the mean (152): MAE 64.1". */
export function describeBaseline(b: Baseline): string {
  if (b.task === 'classification') return `always answering "${b.majorityClass}": accuracy ${pct(b.accuracy)}`;
  const mean = b.mean.length === 1 ? ` (${fmt(b.mean[0])})` : '';
  return `always answering the mean${mean}: MAE ${fmt(b.mae)}`;
}

/** The baseline's value of a metric or loss as the run records it ("val_accuracy", "mae", "val_loss"), if known. */
export function baselineValue(b: Baseline, metric: string): number | undefined {
  const m = metric.replace(/^val_/, '');
  if (m === 'loss') return b.loss;
  if (b.task === 'classification') return m === 'accuracy' || m === 'acc' ? b.accuracy : undefined;
  if (m === 'mae') return b.mae;
  if (m === 'mse') return b.mse;
  return undefined;
}
