// The trainer's side of the coach (src/coach/): the baseline from the prepared data, the activity of the
// hidden layers (dead ReLU units, saturated sigmoids) measured with the trained model, and the insights.
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Tensor } from '@tensorflow/tfjs-core';
import { classificationBaseline, regressionBaseline, type Baseline } from '../coach/baseline';
import { SATURATION, type LayerActivity } from '../coach/insights';
import type { PreparedData } from '../data/preprocess';
import { copyScaled } from '../data/images';
import type { LayerSpec } from '../format/types';
import type { Prediction } from '../runs/types';
import type { TF } from './tf';

/** Rows the activity is measured on: enough to tell a dead unit from a quiet one, cheap to run. */
const ACTIVITY_ROWS = 512;

export function computeBaseline(data: PreparedData, loss: string): Baseline | undefined {
  const { pre, split } = data;
  // An autoencoder has no target to answer with a class or a mean, and a sequence's target is token ids,
  // whose mean means nothing: nothing to compare the loss with.
  if (split.train.length === 0 || pre.task === 'autoencoder' || pre.task === 'sequence') return undefined;
  if (pre.task === 'classification') return classificationBaseline(data.y, pre.classNames ?? [], split.train, split.validation);
  // y is scaled for training; the baseline is in the target's own units, as the reported losses are.
  const width = pre.target.length;
  const scale = pre.targetScale;
  const targets = new Float64Array(data.y.length);
  for (let i = 0; i < data.y.length; i++) {
    const j = i % width;
    targets[i] = scale ? data.y[i] * scale.std[j] + scale.mean[j] : data.y[i];
  }
  return regressionBaseline(targets, width, split.train, split.validation, loss);
}

/** How many validation predictions fell in each class. */
export function predictedCounts(classNames: readonly string[] | undefined, predictions: readonly Prediction[]): { classNames: readonly string[]; counts: number[] } | undefined {
  if (!classNames?.length) return undefined;
  const index = new Map(classNames.map((c, i) => [c, i]));
  const counts = new Array<number>(classNames.length).fill(0);
  for (const p of predictions) {
    const i = p.label !== undefined ? index.get(p.label) : undefined;
    if (i !== undefined) counts[i]++;
  }
  return { classNames, counts };
}

const WATCHED = new Set(['relu', 'sigmoid', 'tanh']);

/**
 * The model's layers are [input, base layers..., the spec's hidden layers..., output] (engine/model.ts):
 * the spec's layer i is found counting back from the output.
 */
function specLayerOffset(model: LayersModel, specLayers: number): number {
  return model.layers.length - 1 - specLayers;
}

export async function measureActivity(tf: TF, model: LayersModel, specLayers: readonly LayerSpec[], data: PreparedData): Promise<LayerActivity[]> {
  const rows = (data.split.validation.length ? data.split.validation : data.split.train).slice(0, ACTIVITY_ROWS);
  if (rows.length === 0) return [];
  const offset = specLayerOffset(model, specLayers.length);
  const watched = specLayers
    .map((l, i) => ({ spec: l, i, layer: model.layers[offset + i] }))
    .filter((w) => w.layer && w.spec.activation && WATCHED.has(w.spec.activation));
  if (watched.length === 0) return [];
  const size = data.inputSize;
  const x = new Float32Array(rows.length * size);
  rows.forEach((r, k) => copyScaled(data.x, r * size, size, x, k * size));
  // A second model over the same layers (never disposed: disposing it would dispose their weights).
  const probe = tf.model({ inputs: model.inputs, outputs: watched.map((w) => w.layer.output as SymbolicTensor) });
  const xs = tf.tensor(x, [rows.length, ...data.pre.inputShape]);
  const out: LayerActivity[] = [];
  try {
    const ys = probe.predict(xs) as Tensor | Tensor[];
    const list = Array.isArray(ys) ? ys : [ys];
    for (let k = 0; k < list.length; k++) {
      const values = (await list[k].data()) as Float32Array;
      const units = list[k].shape[list[k].shape.length - 1] ?? 1;
      list[k].dispose();
      out.push(activityOf(watched[k].i, watched[k].spec, values, units, rows.length));
    }
  } finally {
    xs.dispose();
  }
  return out;
}

/** `values`: every output of the layer, its units (channels) last. */
export function activityOf(layer: number, spec: LayerSpec, values: Float32Array, units: number, rows: number): LayerActivity {
  const activation = spec.activation as LayerActivity['activation'];
  const alive = new Uint8Array(units);
  let near = 0;
  const [lo, hi] = activation === 'sigmoid' ? [0, 1] : [-1, 1];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 0) alive[i % units] = 1;
    if (v <= lo + SATURATION || v >= hi - SATURATION) near++;
  }
  let dead = 0;
  for (let u = 0; u < units; u++) if (!alive[u]) dead++;
  return {
    layer,
    type: spec.type,
    activation,
    units,
    rows,
    dead: activation === 'relu' ? dead : 0,
    saturated: activation === 'relu' ? 0 : near / Math.max(1, values.length),
  };
}
