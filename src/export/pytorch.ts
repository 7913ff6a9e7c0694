// `dlmodel export --to pytorch` and the program the `torch` backend runs: train.py (a fixed, readable
// template, src/export/python/train.py) plus the files it reads: plan.json (every choice, as TensorFlow.js
// would build the network), preprocess.json, the prepared data with its split, and the network's topology in
// TensorFlow.js Layers format, so that the model PyTorch trains is saved as one dlmodel can load.
// The data is prepared here, by dlmodel's own code, and written as plain little-endian arrays: the program
// trains on exactly the rows, encodings and split a TensorFlow.js run would use.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { io } from '@tensorflow/tfjs-core';
import type { LayerSummary } from '../protocol/trainer';
import type { ParamCounts, PreprocessJson, Row } from '../runs/types';
import { hashJson, runsRootFor } from '../runs/folder';
import { encodeInputs } from '../data/preprocess';
import type { LayerSpec, LayerType } from '../format/types';
import { LAYERS, type AnyLayerType } from '../format/layers';
import type { Plan } from '../format/plan';
import { buildModel, codeLayerOf, countParams, loadBaseModel, ModelBuildError, outputPlanOf, summarizeBuiltModel, type OutputPlan } from '../engine/model';
import { LIVE_CODE_ROWS } from '../engine/autoencoder';
import { resolvePredictInputs } from '../engine/predict';
import { RunFailure, unitScale, type Setup } from '../engine/train';
import type { TF } from '../engine/tf';

/** Layer types train.py builds. Anything else is refused before training, with the layer's place. */
export const TORCH_LAYER_TYPES: ReadonlySet<string> = new Set<LayerType>([
  'dense', 'dropout', 'batchNormalization', 'flatten', 'conv2d', 'maxPooling2d', 'averagePooling2d',
  'globalAveragePooling2d', 'reshape', 'embedding', 'simpleRNN', 'lstm', 'gru', 'conv1d', 'globalAveragePooling1d',
  'globalMaxPooling1d', 'maxPooling1d', 'repeatVector', 'upSampling2d', 'bidirectional', 'conv2dTranspose',
]);

/** Validation predictions kept in predictions.json (as the Node trainer keeps them). */
const VALIDATION_PREDICTIONS_LIMIT = 10_000;

/** One layer of plan.json: the plan's layer (every option filled in), its TensorFlow.js class and index. */
export type TorchLayer = Plan['layers'][number] & {
  className: string;
  /** Index in the TensorFlow.js model's layers (the input layer is 0), as the diagram counts them. */
  tfjsIndex: number;
  /**
   * A wrapper's (bidirectional) inner layer as TensorFlow.js named it: its weights are
   * `<layer>/forward_<innerName>/...` and `<layer>/backward_<innerName>/...`, and TensorFlow.js numbers the
   * name from a counter of the whole process, so train.py cannot work it out.
   */
  innerName?: string;
};

export interface TorchPlan {
  format: 'dlmodel-pytorch-plan';
  version: 1;
  name: string;
  task: PreprocessJson['task'];
  inputShape: number[];
  layers: TorchLayer[];
  targetMode: OutputPlan['targetMode'];
  loss: string;
  metrics: string[];
  optimizer: { type: string; learningRate: number };
  batchSize: number;
  epochs: number;
  seed: number;
  shuffle: boolean;
  earlyStopping: Plan['earlyStopping'] | null;
  /** Factor from the scaled targets to the target's own units, per loss or metric name (regression). */
  unitScale: Record<string, number>;
  /** Relative to the program's folder: where `python train.py` puts its run folder. */
  runsDir: string;
  /** The run.json fields dlmodel knows before training. */
  run: { name: string; specPath: string; spec: unknown; specHash: string; params: ParamCounts; task: string; plan: Plan };
  params: ParamCounts;
  /** The network as the dashboard draws it (the `started` event's layers). */
  summary: LayerSummary[];
  /** The weights TensorFlow.js draws for `seed` (weights.bin layout): train.py starts from them. */
  initialWeights: { file: string; seed: number };
  /**
   * Transfer learning (model.from): the trained model, copied beside the program in TensorFlow.js Layers
   * format, and the names of its layers that come first here (their `trainable` says which are frozen).
   */
  base: { model: string; layers: string[] } | null;
  /** Autoencoders: the code layer, how many k-means clusters of the codes, rows in the live code plot. */
  autoencoder: { codeLayer: string; clusters: number | null; liveCodeRows: number } | null;
  /** Pseudo-labels: `epochs` is epochsPerRound x (rounds + 1), the first fit and each round's. */
  pseudoLabels: { threshold: number; rounds: number; epochsPerRound: number } | null;
}

/**
 * The plan's layers after the input (derived output included) with their TensorFlow.js class and index.
 * Checked against the model TensorFlow.js built from the same plan, whose topology model/ will carry.
 */
export function torchLayers(plan: Plan, model: LayersModel): TorchLayer[] {
  const names = model.layers.map((l) => l.name);
  const planned = plan.layers.map((l) => l.name);
  if (names.join('|') !== planned.join('|')) {
    throw new Error(`the plan's layers (${planned.join(', ')}) are not the model's (${names.join(', ')})`);
  }
  return plan.layers.flatMap((l, i) => {
    if (l.type === 'input') return [];
    const out: TorchLayer = { ...l, className: LAYERS[l.type as AnyLayerType].tfjs.className, tfjsIndex: i };
    const inner = (model.layers[i].getConfig() as { layer?: { config?: { name?: unknown } } }).layer?.config?.name;
    if (l.type === 'bidirectional' && typeof inner === 'string') out.innerName = inner;
    return [out];
  });
}

/** "not supported by the torch backend yet" for the first layer train.py cannot build, with its place. */
export function torchUnsupported(spec: Setup['spec']): string | undefined {
  const layers = spec.model.layers ?? [];
  for (let i = 0; i < layers.length; i++) {
    if (!TORCH_LAYER_TYPES.has(layers[i].type)) return `model.layers[${i}] (${layers[i].type}): not supported by the torch backend yet`;
  }
  return undefined;
}

/** The network in TensorFlow.js Layers format: the topology and the weights' names, shapes and order. */
async function topologyOf(model: LayersModel | undefined): Promise<{ topology: { modelTopology: unknown; weightSpecs: io.WeightsManifestEntry[] }; weights: Uint8Array }> {
  if (!model) throw new Error('no model to serialize');
  let captured: { topology: { modelTopology: unknown; weightSpecs: io.WeightsManifestEntry[] }; weights: Uint8Array } | undefined;
  await model.save({
    async save(artifacts: io.ModelArtifacts) {
      const data = artifacts.weightData;
      const weights = data === undefined ? new Uint8Array(0) : Array.isArray(data) ? Buffer.concat(data.map((b) => Buffer.from(b))) : new Uint8Array(data);
      captured = { topology: { modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs ?? [] }, weights };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  });
  if (!captured) throw new Error('TensorFlow.js did not serialize the model');
  return captured;
}

function f32Bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Images whose pixels are whole multiples of 1/255 travel as one byte each (a training set holds them so). */
function asPixelBytes(x: Float32Array | Uint8Array): Uint8Array | undefined {
  if (x instanceof Uint8Array) return x;
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i] * 255;
    const r = Math.round(v);
    if (Math.abs(v - r) > 1e-3 || r < 0 || r > 255 || Math.fround(r / 255) !== x[i]) return undefined;
    out[i] = r;
  }
  return out;
}

export interface ExportResult {
  dir: string;
  script: string;
  files: string[];
  plan: TorchPlan;
}

export interface ExportOptions {
  outDir: string;
  runsRoot?: string;
  /** Where to find train.py (the extension's or the repository's root). */
  extensionRoot: string;
}

/** The template: dist/python/train.py beside the bundles, or the source when running from the repository. */
export function trainPyTemplate(extensionRoot: string): string {
  for (const p of [path.join(__dirname, 'python', 'train.py'), path.join(extensionRoot, 'dist', 'python', 'train.py'), path.join(extensionRoot, 'src', 'export', 'python', 'train.py')]) {
    if (existsSync(p)) return p;
  }
  throw new Error(`train.py template not found beside ${__dirname} or in ${extensionRoot}: rebuild dlmodel (npm run build)`);
}

/** Writes the program and its files into `o.outDir`. `tf` only builds the network to read its topology. */
export async function exportPytorch(tf: TF, setup: Setup, o: ExportOptions): Promise<ExportResult> {
  const unsupported = torchUnsupported(setup.spec);
  if (unsupported) throw new RunFailure('invalid', `${setup.specPath}: ${unsupported}`);
  const { spec, plan: runPlan, data, seed, epochs, specPath } = setup;
  const { pre } = data;
  const output = outputPlanOf(runPlan);
  const hidden = runPlan.layers.filter((l) => !l.derived && !l.fromBase) as LayerSpec[];
  // Transfer learning: the base's layers come first, as the TensorFlow.js trainer builds them. Its weights
  // travel to train.py in a copy of the base model (base/), which the program reads itself.
  let base: LayersModel | undefined;
  let baseFiles: Awaited<ReturnType<typeof topologyOf>> | undefined;
  if (spec.model.from) {
    base = await loadBaseModel(tf, specPath, spec.model.from);
    baseFiles = await topologyOf(base);
  }
  const model = buildModel(tf, { layers: hidden, output, inputShape: runPlan.inputShape, seed, base, freeze: runPlan.freeze });
  const layers = torchLayers(runPlan, model);
  const codeLayer = pre.task === 'autoencoder' ? codeLayerOf(model)?.name : undefined;
  if (pre.task === 'autoencoder' && !codeLayer) throw new ModelBuildError('the autoencoder has no hidden layer to take its code from');
  const params = countParams(model);
  const scale: Record<string, number> = {};
  for (const n of ['loss', ...runPlan.metrics]) {
    const s = unitScale(pre, output, n);
    if (s !== 1) scale[n] = s;
  }
  const dir = path.resolve(o.outDir);
  const plan: TorchPlan = {
    format: 'dlmodel-pytorch-plan',
    version: 1,
    name: runPlan.name,
    task: pre.task,
    inputShape: runPlan.inputShape,
    layers,
    targetMode: output.targetMode,
    loss: output.loss,
    metrics: runPlan.metrics,
    optimizer: { type: runPlan.optimizer, learningRate: runPlan.learningRate },
    batchSize: Math.max(1, runPlan.batchSize),
    epochs,
    seed,
    shuffle: runPlan.shuffle,
    earlyStopping: runPlan.earlyStopping ?? null,
    unitScale: scale,
    runsDir: path.relative(dir, runsRootFor(specPath, runPlan.name, o.runsRoot)).split(path.sep).join('/'),
    run: { name: runPlan.name, specPath, spec, specHash: hashJson(spec), params, task: pre.task, plan: runPlan },
    params,
    summary: summarizeBuiltModel(model, { autoencoder: pre.task === 'autoencoder' }),
    initialWeights: { file: 'initial-weights.bin', seed },
    base: base ? { model: 'base/model.json', layers: runPlan.layers.filter((l) => l.fromBase).map((l) => l.name) } : null,
    autoencoder: codeLayer ? { codeLayer, clusters: spec.model.clusters ?? null, liveCodeRows: LIVE_CODE_ROWS } : null,
    pseudoLabels: setup.pseudo ? { threshold: setup.pseudo.threshold, rounds: setup.pseudo.rounds, epochsPerRound: setup.pseudo.epochsPerRound } : null,
  };
  if (setup.pseudo) Object.assign(plan.run, { epochsPerRound: setup.pseudo.epochsPerRound, rounds: [] });
  const { topology, weights } = await topologyOf(model);
  model.dispose();

  const dataDir = path.join(dir, 'data');
  await fs.mkdir(dataDir, { recursive: true });
  const written: string[] = [];
  const write = async (rel: string, content: string | Uint8Array) => {
    await fs.writeFile(path.join(dir, rel), content);
    written.push(rel);
  };
  const json = (v: unknown) => JSON.stringify(v, null, 1) + '\n';

  await fs.copyFile(trainPyTemplate(o.extensionRoot), path.join(dir, 'train.py'));
  written.push('train.py');
  await write('plan.json', json(plan));
  await write('preprocess.json', json(pre));
  await write('model-topology.json', JSON.stringify(topology) + '\n');
  await write('initial-weights.bin', weights);
  if (baseFiles) {
    await fs.mkdir(path.join(dir, 'base'), { recursive: true });
    const manifest = [{ paths: ['./weights.bin'], weights: baseFiles.topology.weightSpecs }];
    await write('base/model.json', JSON.stringify({ modelTopology: baseFiles.topology.modelTopology, format: 'layers-model', generatedBy: `dlmodel export (copy of ${spec.model.from})`, weightsManifest: manifest }) + '\n');
    await write('base/weights.bin', baseFiles.weights);
  }

  const pixels = pre.image ? asPixelBytes(data.x) : undefined;
  const inputsFile = pixels ? 'inputs.u8' : 'inputs.f32';
  await write(`data/${inputsFile}`, pixels ?? f32Bytes(data.x as Float32Array));
  const targetWidth = data.n ? data.y.length / data.n : 1;
  await write('data/targets.f32', f32Bytes(data.y));
  await write('data/split.json', JSON.stringify({ train: data.split.train, validation: data.split.validation, unlabelled: data.unlabelled ?? [] }) + '\n');
  // An autoencoder plots every row's code: what each row looked like to the user, and its data.label.
  if (pre.task === 'autoencoder') await write('data/rows.json', JSON.stringify({ inputs: data.inputs, labels: data.labels ?? null, labelNames: pre.labelNames ?? null }) + '\n');

  const predict = await encodedPredictInputs(setup);
  await write('data/predict.f32', f32Bytes(predict.x));
  const validation = data.split.validation.slice(0, VALIDATION_PREDICTIONS_LIMIT).map((r) => ({ input: data.inputs[r], expected: data.expected[r] }));
  await write('data/examples.json', JSON.stringify({ validation, predict: predict.rows.map((input) => ({ input })) }) + '\n');
  await write(
    'data/data.json',
    json({
      about: 'Prepared by dlmodel: every kept row encoded and normalized as preprocess.json says, row-major, little-endian.',
      rows: data.n,
      inputShape: pre.inputShape,
      inputs: pixels ? { file: inputsFile, type: 'uint8', scale: '1/255' } : { file: inputsFile, type: 'float32' },
      targets: { file: 'targets.f32', type: 'float32', width: targetWidth, meaning: targetMeaning(pre) },
      predict: { file: 'predict.f32', type: 'float32', rows: predict.rows.length },
      split: 'split.json: row indices for training and validation (and, with pseudo-labels, the unlabelled rows, whose target is -1)',
    }),
  );
  return { dir, script: path.join(dir, 'train.py'), files: written, plan };
}

function targetMeaning(pre: PreprocessJson): string {
  if (pre.targetText) return 'target token ids, one per position (0 padding, 1 unknown, k >= 2 preprocess.json targetText.vocabulary[k - 2])';
  if (pre.task === 'classification') return 'class index (preprocess.json classNames)';
  return pre.targetScale ? 'target values, standardized with preprocess.json targetScale' : 'target values';
}

/** The spec's `predict` inputs, encoded with the run's preprocessing (none when it has no predict block). */
async function encodedPredictInputs(setup: Setup): Promise<{ rows: Row[]; x: Float32Array }> {
  const { spec, specPath, data } = setup;
  if (!spec.predict?.inputs && !spec.predict?.source) return { rows: [], x: new Float32Array(0) };
  const inputs = await resolvePredictInputs(data.pre, { specPath, spec });
  const { x } = await encodeInputs(data.pre, inputs.rows, inputs.baseDir, inputs.where);
  return { rows: inputs.rows, x };
}
