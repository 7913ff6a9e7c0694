// After an autoencoder trains: every row's code (the narrowest hidden layer), its reconstruction and
// reconstruction error, k-means clusters on the codes (model.clusters), and the codes in 2-D for the
// dashboard's scatter. Prediction uses the same functions with the centres saved in autoencoder.json.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { TF } from './tf';
import { codeLayerOf } from './model';
import { predictArray } from './predict-array';
import { copyScaled } from '../data/images';
import { kmeans, nearestCentroid } from '../common/kmeans';
import { to2d } from '../common/pca';
import { clusterReport } from '../common/clusters';
import type { AutoencoderJson, CodePoint, RowReconstruction } from '../runs/autoencoder';

const EXAMPLES = 6;
const UNUSUAL = 20;
/** Rows in the live code-space plot while training (the same rows every epoch). */
export const LIVE_CODE_ROWS = 1500;
import type { PreprocessJson } from '../runs/types';

export interface Encoded {
  codes: Float32Array;
  codeSize: number;
  /** The model's output per row (prepared, i.e. normalized, values). */
  recon: Float32Array;
  /** Mean squared difference between each row's prepared input and its reconstruction. */
  errors: Float32Array;
  codeLayer: string;
}

/** The sub-network from the input to the code layer. */
export function encoderOf(tf: TF, model: LayersModel): { encoder: LayersModel; name: string } {
  const layer = codeLayerOf(model);
  if (!layer) throw new Error('the autoencoder has no hidden layer to take its code from');
  return { encoder: tf.model({ inputs: model.inputs, outputs: layer.output as import('@tensorflow/tfjs-layers').SymbolicTensor }), name: layer.name };
}

export async function encodeRows(tf: TF, model: LayersModel, inputShape: number[], x: Float32Array, n: number): Promise<Encoded> {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const { encoder, name } = encoderOf(tf, model);
  const codes = await predictArray(tf, encoder, inputShape, x, n);
  const recon = await predictArray(tf, model, inputShape, x, n);
  const errors = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < size; j++) {
      const d = recon.out[i * size + j] - x[i * size + j];
      s += d * d;
    }
    errors[i] = s / size;
  }
  return { codes: codes.out, codeSize: codes.units, recon: recon.out, errors, codeLayer: name };
}

/** A prepared (normalized) reconstruction back in the input's own units. */
export function denormalize(pre: PreprocessJson, values: ArrayLike<number>): number[] {
  const norm = pre.normalization;
  return Array.from(values, (v, j) => {
    if (norm.kind === 'none' || norm.a.length === 0) return v;
    return norm.kind === 'standard' ? v * norm.b[j] + norm.a[j] : v * (norm.b[j] - norm.a[j]) + norm.a[j];
  });
}

export function clusterOf(code: ArrayLike<number>, centroids?: readonly (readonly number[])[]): number | undefined {
  return centroids?.length ? nearestCentroid(code, centroids) : undefined;
}

/**
 * autoencoder.json for a trained model: the 2-D points of every row, k-means clusters when asked for
 * (fitted on the training rows' codes, applied to all), and the clusters scored against the labels.
 */
export function analyseCodes(
  enc: Encoded,
  o: {
    runId: string; n: number; train: readonly number[]; validation: readonly number[]; clusters?: number; seed: number;
    labels?: readonly (string | undefined)[]; labelNames?: string[]; inputs: readonly Record<string, unknown>[];
    pre: PreprocessJson; x: Float32Array;
  },
): AutoencoderJson {
  const { codes, codeSize, errors, n } = { ...enc, n: o.n };
  let clusters: AutoencoderJson['clusters'];
  let assign: number[] | undefined;
  if (o.clusters !== undefined) {
    const k = Math.min(o.clusters, o.train.length);
    const trainCodes = new Float32Array(o.train.length * codeSize);
    o.train.forEach((r, i) => trainCodes.set(codes.subarray(r * codeSize, (r + 1) * codeSize), i * codeSize));
    const km = kmeans(trainCodes, o.train.length, codeSize, k, o.seed);
    clusters = { k, centroids: km.centroids, seed: o.seed };
    assign = [];
    for (let i = 0; i < n; i++) assign.push(nearestCentroid(codes.subarray(i * codeSize, (i + 1) * codeSize), km.centroids));
  }
  const xy = to2d(codes, n, codeSize);
  const trainSet = new Set(o.train);
  const points: CodePoint[] = xy.map(([x, y], row) => {
    const p: CodePoint = { row, x, y, error: errors[row], split: trainSet.has(row) ? 'train' : 'validation', input: o.inputs[row] };
    if (assign) p.cluster = assign[row];
    const label = o.labels?.[row];
    if (label !== undefined) p.label = label;
    return p;
  });
  const size = o.x.length / Math.max(1, n);
  const side = (row: number): RowReconstruction => {
    const r: RowReconstruction = {
      row,
      input: o.inputs[row],
      error: errors[row],
      original: denormalize(o.pre, o.x.subarray(row * size, (row + 1) * size)),
      reconstruction: denormalize(o.pre, enc.recon.subarray(row * size, (row + 1) * size)),
    };
    if (assign) r.cluster = assign[row];
    const label = o.labels?.[row];
    if (label !== undefined) r.label = label;
    return r;
  };
  const byError = Array.from({ length: n }, (_, i) => i).sort((a, b) => errors[b] - errors[a]);
  const shown = o.validation.length ? o.validation : o.train;
  const json: AutoencoderJson = {
    runId: o.runId, codeLayer: enc.codeLayer, codeSize, projection: codeSize > 2 ? 'pca' : 'identity', points,
    inputNames: o.pre.inputNames,
    examples: shown.slice(0, EXAMPLES).map(side),
    unusual: byError.slice(0, UNUSUAL).map(side),
  };
  if (o.pre.image) json.image = o.pre.image;
  if (clusters) json.clusters = clusters;
  if (assign && o.labels) {
    const rows = assign.map((c, i) => ({ c, l: o.labels?.[i] })).filter((r): r is { c: number; l: string } => r.l !== undefined);
    if (rows.length) json.report = clusterReport(rows.map((r) => r.c), rows.map((r) => r.l), clusters?.k ?? 0, o.labelNames);
  }
  return json;
}

/**
 * The codes of a fixed sample of rows in 2-D, for the live plot while training (no clusters yet). Image rows
 * held as bytes are scaled for the sample only, every epoch, not for the whole data set.
 */
export async function liveCodes(
  tf: TF, model: LayersModel, pre: PreprocessJson, x: Float32Array | Uint8Array, n: number, labels: readonly (string | undefined)[] | undefined, inputs: readonly Record<string, unknown>[],
): Promise<{ row: number; x: number; y: number; error: number; label?: string; input: Record<string, unknown> }[]> {
  const size = x.length / Math.max(1, n);
  const step = Math.max(1, Math.ceil(n / LIVE_CODE_ROWS));
  const rows: number[] = [];
  for (let r = 0; r < n; r += step) rows.push(r);
  const sub = new Float32Array(rows.length * size);
  rows.forEach((r, i) => copyScaled(x, r * size, size, sub, i * size));
  const enc = await encodeRows(tf, model, pre.inputShape, sub, rows.length);
  return to2d(enc.codes, rows.length, enc.codeSize).map(([px, py], i) => {
    const p: { row: number; x: number; y: number; error: number; label?: string; input: Record<string, unknown> } = { row: rows[i], x: px, y: py, error: enc.errors[i], input: inputs[rows[i]] };
    const label = labels?.[rows[i]];
    if (label !== undefined) p.label = label;
    return p;
  });
}
