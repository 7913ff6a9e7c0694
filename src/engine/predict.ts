// Prediction from a saved run, without training again: the run's preprocess.json prepares the inputs
// exactly as training did, the saved model computes, and the outputs are mapped back to the user's terms
// (class label + confidence + every class probability, or values in the target's units).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Prediction, PreprocessJson, Row } from '../runs/types';
import { latestCompletedRun, readRun } from '../runs/folder';
import { decodeOutput, encodeInputs } from '../data/preprocess';
import { listImagesToPredict } from '../data/images';
import { isImageFile } from '../data/image-folder';
import { DataError, readTable } from '../data/table';
import type { Spec } from '../format/types';
import type { TF } from './tf';
import { predictArray } from './predict-array';
import { clusterOf, denormalize, encodeRows } from './autoencoder';

export { predictArray } from './predict-array';

export async function predictRows(
  tf: TF,
  model: LayersModel,
  pre: PreprocessJson,
  rows: readonly Row[],
  baseDir: string,
  where?: (i: number) => string,
  /** An autoencoder's cluster centres (autoencoder.json), to give each input its cluster. */
  centroids?: number[][],
): Promise<{ predictions: Prediction[]; warnings: string[] }> {
  const { x, warnings } = await encodeInputs(pre, rows, baseDir, where);
  if (pre.task === 'autoencoder') {
    const enc = await encodeRows(tf, model, pre.inputShape, x, rows.length);
    const size = x.length / Math.max(1, rows.length);
    const predictions = rows.map((input, i) => {
      const code = Array.from(enc.codes.subarray(i * enc.codeSize, (i + 1) * enc.codeSize));
      const p: Prediction = { input, output: denormalize(pre, enc.recon.subarray(i * size, (i + 1) * size)), code, reconstructionError: enc.errors[i] };
      const cluster = clusterOf(code, centroids);
      if (cluster !== undefined) p.cluster = cluster;
      return p;
    });
    return { predictions, warnings };
  }
  const { out, units } = await predictArray(tf, model, pre.inputShape, x, rows.length);
  const predictions = rows.map((input, i) => ({ input, ...decodeOutput(pre, out.subarray(i * units, (i + 1) * units)) }));
  return { predictions, warnings };
}

/** The run to predict with: the one named, else the spec's latest completed run. */
export async function resolveRunDir(specPath: string, runDir?: string, runsRoot?: string): Promise<string> {
  if (runDir) {
    const dir = path.resolve(runDir);
    await readRun(dir).catch((err: Error) => {
      throw new DataError(`${dir}: not a readable run folder (${err.message})`, dir);
    });
    return dir;
  }
  const latest = await latestCompletedRun(specPath, { runsRoot });
  if (!latest) throw new DataError(`${specPath}: no completed run to predict with; train first (dlmodel train ${path.basename(specPath)})`, specPath);
  return latest.dir;
}

/**
 * Inputs to predict, as rows, with a base folder for relative image paths: explicit rows, else a file
 * (CSV/TSV/JSON/JSONL table, one image, or a folder of images), else the spec's `predict` block.
 */
export async function resolvePredictInputs(
  pre: PreprocessJson,
  o: { specPath: string; spec?: Spec; inputs?: Row[]; inputPath?: string },
): Promise<{ rows: Row[]; baseDir: string; where: (i: number) => string }> {
  const specDir = path.dirname(path.resolve(o.specPath));
  if (o.inputs) return { rows: o.inputs, baseDir: specDir, where: (i) => `input ${i + 1}` };
  let file: string | undefined;
  if (o.inputPath) {
    file = path.resolve(o.inputPath);
  } else if (o.spec?.predict?.inputs) {
    return { rows: o.spec.predict.inputs, baseDir: specDir, where: (i) => `${o.specPath}: predict.inputs[${i}]` };
  } else if (o.spec?.predict?.source) {
    file = path.resolve(specDir, o.spec.predict.source);
  }
  if (!file) throw new DataError(`${o.specPath}: nothing to predict: add a "predict" block ({ "inputs": [...] } or { "source": "file" }) or pass --input FILE`, o.specPath);
  let st;
  try {
    st = await fs.stat(file);
  } catch {
    throw new DataError(`${file}: input file not found`, file);
  }
  if (st.isDirectory() || isImageFile(file)) {
    if (!pre.image) throw new DataError(`${file}: this model takes table rows, not images`, file);
    const files = await listImagesToPredict(file);
    if (files.length === 0) throw new DataError(`${file}: no .png or .jpg images here`, file);
    return { rows: files.map((f) => ({ file: path.relative(specDir, f).split(path.sep).join('/') })), baseDir: specDir, where: (i) => files[i] };
  }
  const table = await readTable(file);
  return { rows: table.rows, baseDir: path.dirname(file), where: (i) => `${file}:${table.lines[i]}` };
}
