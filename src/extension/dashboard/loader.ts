// Everything the dashboard reads from disk: the spec's layer summary and data description, the runs, a
// run's metrics, predictions and saved weights, and an image's pixels. No TensorFlow.js here.
import * as path from 'node:path';
import { readImagePixels } from '../../data/images';
import { EMBEDDING_ROWS_SENT, WHOLE_WEIGHTS_LIMIT, type LayerWeights } from '../../protocol/trainer';
import type { ImageView } from '../../protocol/webview';
import { listRuns, readAutoencoder, readMetrics, readPredictions, readPreprocess, RUN_FILES, type RunInfo } from '../../runs/folder';
import type { AutoencoderJson } from '../../runs/autoencoder';
import type { AutoencoderView } from '../../protocol/webview';
import { formatProblem, hasErrors } from '../../format/problems';
import { summarizePlan } from '../../format/summary';
import type { ValidationResult } from '../../format/validate';
import type { SpecInfo } from './state';
import { toLayerView } from './state';
import { weightStats } from '../../runs/weight-stats';
import { nameFromPath } from '../../common/names';
import { readModelFolder, readWeightData, type ModelFolder } from '../../runs/model-files';

export { listRuns, readAutoencoder, readMetrics, readPredictions, readPreprocess, type RunInfo };

/** The layer summary and data description of the spec (from its validation, which the editor shares);
 *  problems (FILE:LINE:COL) when it is not valid. */
export async function loadSpecInfo(specPath: string, validated: Promise<ValidationResult>): Promise<SpecInfo> {
  const fallbackName = nameFromPath(specPath);
  try {
    const { spec, problems, description, plan } = await validated;
    const info: SpecInfo = {
      name: spec?.name ?? fallbackName,
      description: spec?.description,
      task: description?.task ?? spec?.task,
      inputNames: description?.inputNames ?? [],
      features: description?.features.map((f) => ({ column: f.column, kind: f.kind, categories: f.categories })) ?? [],
      target: description?.target ?? [],
      classNames: description?.classNames,
      image: description?.image ? { ...description.image } : undefined,
      layers: [],
      problems: problems.filter((p) => p.severity === 'error').map((p) => formatProblem(specPath, p)),
    };
    if (plan && description && !hasErrors(problems)) {
      info.layers = summarizePlan(plan, description).map(toLayerView);
      info.params = { ...plan.params };
    }
    return info;
  } catch (err) {
    return { name: fallbackName, inputNames: [], features: [], target: [], layers: [], problems: [`${specPath}: ${(err as Error).message}`] };
  }
}

/**
 * The weights of a saved model (model/model.json + weights.bin, TensorFlow.js Layers format), grouped per
 * layer like the trainer's `weights` event, so a finished run's diagram shows its final weights after a
 * reload. Read through the checked model folder reader (weight files inside the folder, regular, of the
 * size the shapes imply); only float32 weights are shown, anything unexpected gives no weights.
 */
export async function readSavedWeights(runDir: string): Promise<LayerWeights[] | undefined> {
  let folder: ModelFolder;
  try {
    folder = await readModelFolder(path.join(runDir, RUN_FILES.model));
  } catch {
    return undefined;
  }
  if (folder.weights.some((w) => w.dtype !== 'float32' || w.quantization)) return undefined;
  const all = await readWeightData(folder);
  const byLayer = new Map<string, { name: string; shape: number[]; data: Float32Array }[]>();
  const order: string[] = [];
  let offset = 0;
  for (const w of folder.weights) {
    const count = w.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(all.buffer.slice(all.byteOffset + offset, all.byteOffset + offset + count * 4));
    offset += count * 4;
    const slash = w.name.lastIndexOf('/');
    const layer = slash > 0 ? w.name.slice(0, slash) : w.name;
    if (!byLayer.has(layer)) {
      byLayer.set(layer, []);
      order.push(layer);
    }
    byLayer.get(layer)?.push({ name: w.name.slice(slash + 1), shape: w.shape, data });
  }
  return order.map((name, index): LayerWeights => {
    const ws = byLayer.get(name) ?? [];
    const kernel = ws.find((w) => /(kernel|embeddings|gamma)$/.test(w.name)) ?? ws[0];
    const bias = ws.find((w) => /(bias|beta)$/.test(w.name) && w !== kernel);
    const out: LayerWeights = { index, name, type: '', kernelShape: kernel.shape, stats: weightStats(kernel.data) };
    if (/embeddings$/.test(kernel.name)) {
      out.embeddingRows = Array.from(kernel.data.subarray(0, Math.min(kernel.data.length, EMBEDDING_ROWS_SENT * (kernel.shape[1] ?? 1))));
    } else if (kernel.data.length <= WHOLE_WEIGHTS_LIMIT) out.kernel = Array.from(kernel.data);
    if (bias) out.bias = Array.from(bias.data);
    return out;
  });
}

/** An image's pixels (0..255) at the size the model sees it. */
export async function loadImage(file: string, image: { width: number; height: number; channels: number }): Promise<ImageView> {
  const channels = image.channels === 1 || image.channels === 3 || image.channels === 4 ? image.channels : 1;
  const px = await readImagePixels(file, { width: image.width, height: image.height, channels });
  return { path: file, width: image.width, height: image.height, channels, pixels: Array.from(px, (v) => Math.round(v * 255)) };
}

/** Rows drawn in the code-space plot: every row up to this many, an even sample beyond. */
export const CODE_POINTS_SHOWN = 3000;

export function autoencoderView(runDir: string, ae: AutoencoderJson): AutoencoderView {
  const step = Math.max(1, Math.ceil(ae.points.length / CODE_POINTS_SHOWN));
  const v: AutoencoderView = {
    runDir, live: false, codeLayer: ae.codeLayer, codeSize: ae.codeSize, projection: ae.projection,
    points: ae.points.filter((_, i) => i % step === 0).map(({ row, x, y, error, cluster, label, input }) => ({ row, x, y, error, cluster, label, input })),
    inputNames: ae.inputNames, examples: ae.examples, unusual: ae.unusual,
  };
  if (ae.image) v.image = ae.image;
  if (ae.clusters) v.clusters = ae.clusters.k;
  if (ae.report) v.report = ae.report;
  return v;
}
