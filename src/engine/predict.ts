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

/** Runs the model over `n` encoded examples in batches; returns n x outputs values. */
export async function predictArray(tf: TF, model: LayersModel, inputShape: number[], x: Float32Array, n: number, batchSize = 256): Promise<{ out: Float32Array; units: number }> {
  const size = inputShape.reduce((a, b) => a * b, 1);
  // Values per example: every dimension after the batch (a sequence task: positions x target ids).
  const units = model.outputs[0].shape.slice(1).reduce((acc: number, d) => acc * ((d as number | null) ?? 1), 1);
  const out = new Float32Array(n * units);
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const xs = tf.tensor(x.subarray(start * size, (start + b) * size), [b, ...inputShape]);
    const ys = model.predict(xs) as import('@tensorflow/tfjs-core').Tensor;
    out.set(await ys.data() as Float32Array, start * units);
    xs.dispose();
    ys.dispose();
  }
  return { out, units };
}

export async function predictRows(
  tf: TF,
  model: LayersModel,
  pre: PreprocessJson,
  rows: readonly Row[],
  baseDir: string,
  where?: (i: number) => string,
): Promise<{ predictions: Prediction[]; warnings: string[] }> {
  const { x, warnings } = await encodeInputs(pre, rows, baseDir, where);
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
