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
import { runsRootFor } from '../runs/store';
import { hashJson } from '../runs/writer';
import { encodeInputs } from '../data/preprocess';
import type { LayerType } from '../format/types';
import { buildModel, countParams, DEFAULT_LEARNING_RATES, layerTypeName, planOutput, summarizeBuiltModel, type OutputPlan } from '../engine/model';
import { resolvePredictInputs } from '../engine/predict';
import { RunFailure, unitScale, type Setup } from '../engine/train';
import type { TF } from '../engine/tf';

/** Layer types train.py builds. Anything else is refused before training, with the layer's place. */
export const TORCH_LAYER_TYPES: ReadonlySet<string> = new Set<LayerType | 'input'>([
  'dense', 'dropout', 'batchNormalization', 'flatten', 'conv2d', 'maxPooling2d', 'averagePooling2d',
  'globalAveragePooling2d', 'reshape', 'embedding', 'simpleRNN', 'lstm', 'gru', 'conv1d', 'globalAveragePooling1d',
]);

/** Validation predictions kept in predictions.json (as the Node trainer keeps them). */
const VALIDATION_PREDICTIONS_LIMIT = 10_000;

/** One layer of plan.json: its type, every option as TensorFlow.js fills it in, and where it sits. */
export interface TorchLayer {
  type: string;
  name: string;
  className: string;
  /** Index in the TensorFlow.js model's layers (the input layer is 0), as the diagram counts them. */
  tfjsIndex: number;
  outputShape: number[];
  derived?: 'output';
  [option: string]: unknown;
}

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
  earlyStopping: { monitor: string; patience: number; minDelta: number } | null;
  /** Factor from the scaled targets to the target's own units, per loss or metric name (regression). */
  unitScale: Record<string, number>;
  /** Relative to the program's folder: where `python train.py` puts its run folder. */
  runsDir: string;
  /** The run.json fields dlmodel knows before training. */
  run: { name: string; specPath: string; spec: unknown; specHash: string; params: ParamCounts; task: string };
  params: ParamCounts;
  /** The network as the dashboard draws it (the `started` event's layers). */
  summary: LayerSummary[];
  /** The weights TensorFlow.js draws for `seed` (weights.bin layout): train.py starts from them. */
  initialWeights: { file: string; seed: number };
}

/** Options of a built layer that train.py reads, as TensorFlow.js filled them in. */
const OPTION_KEYS = ['units', 'activation', 'useBias', 'rate', 'filters', 'kernelSize', 'strides', 'padding', 'poolSize', 'targetShape', 'inputDim', 'outputDim', 'returnSequences'];

/**
 * The layers of the network as TensorFlow.js built it (derived output layer and any inserted flatten
 * included), each with every option filled in. The one place the torch program's layers come from.
 */
export function torchLayers(model: LayersModel): TorchLayer[] {
  const out: TorchLayer[] = [];
  const last = model.layers.length - 1;
  model.layers.forEach((layer, i) => {
    const className = layer.getClassName();
    if (className === 'InputLayer') return;
    const cfg = layer.getConfig() as Record<string, unknown>;
    const l: TorchLayer = {
      type: layerTypeName(layer),
      name: layer.name,
      className,
      tfjsIndex: i,
      outputShape: (layer.outputShape as (number | null)[]).slice(1).map((d) => d ?? -1),
    };
    for (const k of OPTION_KEYS) if (cfg[k] !== undefined && cfg[k] !== null) l[k] = cfg[k];
    // TensorFlow.js writes 1-D convolutions' sizes as one-element arrays.
    if (l.type === 'conv1d') for (const k of ['kernelSize', 'strides']) if (Array.isArray(l[k])) l[k] = (l[k] as number[])[0];
    if (i === last) l.derived = 'output';
    out.push(l);
  });
  return out;
}

/** "not supported by the torch backend yet" for the first layer train.py cannot build, with its place. */
export function torchUnsupported(setup: Setup): string | undefined {
  if (setup.spec.model.from) return 'model.from: transfer learning is not supported by the torch backend yet';
  const layers = setup.spec.model.layers ?? [];
  for (let i = 0; i < layers.length; i++) {
    if (!TORCH_LAYER_TYPES.has(layers[i].type)) return `model.layers[${i}] (${layers[i].type}): not supported by the torch backend yet`;
  }
  return undefined;
}

/** The network in TensorFlow.js Layers format: the topology and the weights' names, shapes and order. */
async function topologyOf(model: LayersModel): Promise<{ topology: { modelTopology: unknown; weightSpecs: io.WeightsManifestEntry[] }; weights: Uint8Array }> {
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

/** Images whose pixels are whole multiples of 1/255 travel as one byte each. */
function asPixelBytes(x: Float32Array): Uint8Array | undefined {
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
  const unsupported = torchUnsupported(setup);
  if (unsupported) throw new RunFailure('invalid', `${setup.specPath}: ${unsupported}`);
  const { spec, resolved, data, seed, epochs, specPath } = setup;
  const { pre } = data;
  const output = planOutput(pre, { loss: spec.training?.loss, activation: spec.model.output?.activation });
  const model = buildModel(tf, { layers: spec.model.layers ?? [], plan: output, inputShape: pre.inputShape, seed });
  const layers = torchLayers(model);
  const params = countParams(model);
  const metrics = resolved.training.metrics ?? (pre.task === 'classification' ? ['accuracy'] : ['mae']);
  const scale: Record<string, number> = {};
  for (const n of ['loss', ...metrics]) {
    const s = unitScale(pre, output, n);
    if (s !== 1) scale[n] = s;
  }
  const opt = resolved.training.optimizer;
  const dir = path.resolve(o.outDir);
  const plan: TorchPlan = {
    format: 'dlmodel-pytorch-plan',
    version: 1,
    name: resolved.name,
    task: pre.task,
    inputShape: pre.inputShape,
    layers,
    targetMode: output.targetMode,
    loss: output.loss,
    metrics,
    optimizer: { type: opt.type, learningRate: opt.learningRate ?? DEFAULT_LEARNING_RATES[opt.type] },
    batchSize: Math.max(1, resolved.training.batchSize),
    epochs,
    seed,
    shuffle: resolved.data.shuffle,
    earlyStopping: resolved.training.earlyStopping ?? null,
    unitScale: scale,
    runsDir: path.relative(dir, runsRootFor(specPath, resolved.name, o.runsRoot)).split(path.sep).join('/'),
    run: { name: resolved.name, specPath, spec, specHash: hashJson(spec), params, task: pre.task },
    params,
    summary: summarizeBuiltModel(model),
    initialWeights: { file: 'initial-weights.bin', seed },
  };
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

  const pixels = pre.image ? asPixelBytes(data.x) : undefined;
  const inputsFile = pixels ? 'inputs.u8' : 'inputs.f32';
  await write(`data/${inputsFile}`, pixels ?? f32Bytes(data.x));
  const targetWidth = data.n ? data.y.length / data.n : 1;
  await write('data/targets.f32', f32Bytes(data.y));
  await write('data/split.json', JSON.stringify({ train: data.split.train, validation: data.split.validation }) + '\n');

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
      targets: { file: 'targets.f32', type: 'float32', width: targetWidth, meaning: pre.task === 'classification' ? 'class index (preprocess.json classNames)' : 'target values, standardized with preprocess.json targetScale' },
      predict: { file: 'predict.f32', type: 'float32', rows: predict.rows.length },
      split: 'split.json: row indices for training and validation',
    }),
  );
  return { dir, script: path.join(dir, 'train.py'), files: written, plan };
}

/** The spec's `predict` inputs, encoded with the run's preprocessing (none when it has no predict block). */
async function encodedPredictInputs(setup: Setup): Promise<{ rows: Row[]; x: Float32Array }> {
  const { spec, specPath, data } = setup;
  if (!spec.predict?.inputs && !spec.predict?.source) return { rows: [], x: new Float32Array(0) };
  const inputs = await resolvePredictInputs(data.pre, { specPath, spec });
  const { x } = await encodeInputs(data.pre, inputs.rows, inputs.baseDir, inputs.where);
  return { rows: inputs.rows, x };
}
