// Transfer learning: the layers of a trained run (`model.from`), read from its model/model.json topology
// and preprocess.json only (JSON, no TensorFlow). The base's own output layer is dropped: the new
// experiment derives its output from its own target.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelFileError, readModelFolder } from '../runs/model-files';
import { FileRefused, LIMITS, readRegularFile } from '../runs/safe-fs';
import { nestingProblem } from './nesting';
import { own } from './own';
import type { PreprocessJson } from '../runs/types';
import { CLASS_TO_TYPE } from './layers';
import { MERGE_MODES, type Activation, type LayerSpec, type MergeMode } from './types';

export interface BaseModel {
  runDir: string;
  preprocess: PreprocessJson;
  /** Hidden layers of the base model, its output layer excluded, as layer specs. */
  layers: LayerSpec[];
  /** The Keras class names of those layers ("Dense", "Conv2D"). */
  classNames: string[];
}

export class BaseModelError extends Error {
  constructor(message: string, readonly file: string) {
    super(message);
    this.name = 'BaseModelError';
  }
}

interface KerasLayer {
  class_name?: string;
  config?: Record<string, unknown>;
}

export { CLASS_TO_TYPE } from './layers';

const snakeToCamel: Record<string, Activation> = {
  hard_sigmoid: 'hardSigmoid',
};

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** Sizes beyond this in a base model's layer (units, filters, vocabulary) are a broken or hostile file. */
const MAX_LAYER_SIZE = 10_000_000;

/** A size option of a base layer: a whole number from 1 to MAX_LAYER_SIZE, or the error says which. */
function size(v: unknown, option: string, cls: string, file: string): number | undefined {
  const n = num(v);
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LAYER_SIZE) {
    throw new BaseModelError(`${file}: the base model's ${cls} layer has ${option} ${n}; expected a whole number from 1 to ${MAX_LAYER_SIZE.toLocaleString('en-US')}`, file);
  }
  return n;
}

function numOrPair(v: unknown): number | [number, number] | undefined {
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return v[0];
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') return [v[0], v[1]];
  return undefined;
}

/** A Keras/TF.js layer config as a layer spec; undefined for an InputLayer. */
export function layerFromKeras(layer: KerasLayer, file: string): LayerSpec | undefined {
  const cls = layer.class_name ?? '';
  if (cls === 'InputLayer') return undefined;
  const type = own(CLASS_TO_TYPE, cls);
  if (!type) throw new BaseModelError(`${file}: layer type "${cls}" of the base model is not supported`, file);
  const c = layer.config ?? {};
  const spec: LayerSpec = { type };
  if (typeof c.name === 'string') spec.name = c.name;
  const units = size(c.units, 'units', cls, file);
  if (units !== undefined) spec.units = units;
  if (typeof c.activation === 'string') spec.activation = (own(snakeToCamel, c.activation) ?? c.activation) as Activation;
  if (typeof c.use_bias === 'boolean') spec.useBias = c.use_bias;
  const rate = num(c.rate);
  if (rate !== undefined) spec.rate = rate;
  const filters = size(c.filters, 'filters', cls, file);
  if (filters !== undefined) spec.filters = filters;
  const k = numOrPair(c.kernel_size);
  if (k !== undefined) spec.kernelSize = k;
  const s = numOrPair(c.strides);
  if (s !== undefined) spec.strides = s;
  if (c.padding === 'valid' || c.padding === 'same') spec.padding = c.padding;
  const p = numOrPair(c.pool_size);
  if (p !== undefined) spec.poolSize = p;
  if (Array.isArray(c.target_shape)) {
    spec.targetShape = (c.target_shape as unknown[]).filter((d): d is number => typeof d === 'number').map((d, i) => size(d, `target_shape[${i}]`, cls, file) as number);
  }
  const inDim = size(c.input_dim, 'input_dim', cls, file);
  if (inDim !== undefined) spec.inputDim = inDim;
  const outDim = size(c.output_dim, 'output_dim', cls, file);
  if (outDim !== undefined) spec.outputDim = outDim;
  if (typeof c.return_sequences === 'boolean') spec.returnSequences = c.return_sequences;
  const n = size(c.n, 'n', cls, file);
  if (n !== undefined) spec.n = n;
  const up = numOrPair(c.size);
  if (up !== undefined) spec.size = up;
  // Wrappers (Bidirectional, TimeDistributed) keep the wrapped layer's own Keras config under `layer`.
  if (c.layer && typeof c.layer === 'object' && !Array.isArray(c.layer)) {
    const inner = layerFromKeras(c.layer as KerasLayer, file);
    if (inner) spec.layer = inner;
  }
  if ((MERGE_MODES as readonly unknown[]).includes(c.merge_mode)) spec.mergeMode = c.merge_mode as MergeMode;
  return spec;
}

/** The layer list of a model.json topology, Sequential or functional, TF.js or converted Keras. */
export function topologyLayers(modelJson: unknown): KerasLayer[] | undefined {
  const topo = (modelJson as { modelTopology?: unknown })?.modelTopology as Record<string, unknown> | undefined;
  if (!topo) return undefined;
  const inner = (topo.model_config as Record<string, unknown> | undefined) ?? topo;
  const config = inner.config as { layers?: unknown } | unknown[] | undefined;
  const layers = Array.isArray(config) ? config : config?.layers;
  return Array.isArray(layers) ? (layers as KerasLayer[]) : undefined;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = (await readRegularFile(file, LIMITS.runFile)).toString('utf8');
  } catch (e) {
    throw new BaseModelError(`${file}: ${e instanceof FileRefused ? e.message : 'cannot be read'}`, file);
  }
  const deep = nestingProblem(text);
  if (deep) throw new BaseModelError(`${file}: ${deep.message}`, file);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new BaseModelError(`${file}: not valid JSON (${(e as Error).message})`, file);
  }
}

export async function readBaseModel(runDir: string): Promise<BaseModel> {
  const isDir = await stat(runDir).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new BaseModelError(`${runDir}: run folder not found`, runDir);
  const modelFile = join(runDir, 'model', 'model.json');
  const preFile = join(runDir, 'preprocess.json');
  // The weights are checked now (inside the folder, regular files, the size the shapes imply), so that a
  // broken or hostile base fails validation rather than training.
  let modelJson: unknown;
  try {
    modelJson = (await readModelFolder(join(runDir, 'model'))).modelJson;
  } catch (e) {
    if (e instanceof ModelFileError) throw new BaseModelError(e.message, e.file);
    throw e;
  }
  const preprocess = (await readJson(preFile)) as PreprocessJson;
  if (!Array.isArray(preprocess?.inputShape) || !preprocess.inputShape.every((d) => Number.isInteger(d) && d > 0 && d <= MAX_LAYER_SIZE)) throw new BaseModelError(`${preFile}: has no valid "inputShape" (a list of sizes)`, preFile);
  const raw = topologyLayers(modelJson);
  if (!raw) throw new BaseModelError(`${modelFile}: no layer list in "modelTopology"`, modelFile);
  const specs: LayerSpec[] = [];
  const classNames: string[] = [];
  for (const l of raw) {
    const s = layerFromKeras(l, modelFile);
    if (s) {
      specs.push(s);
      classNames.push(l.class_name ?? '');
    }
  }
  if (specs.length === 0) throw new BaseModelError(`${modelFile}: the model has no layers`, modelFile);
  return { runDir, preprocess, layers: specs.slice(0, -1), classNames: classNames.slice(0, -1) };
}
