// Every default of the format in one place (shared/spec/dlmodel-format.md). Nothing else fills in defaults.
import { basename } from 'node:path';
import type { DataDescription } from '../data/columns';
import type {
  Activation, DataSpec, EarlyStoppingSpec, LossName, MetricName, Missing, ModelSpec, Normalize, OptimizerSpec, Spec, Task,
} from './types';

export const DEFAULTS = {
  epochs: 50,
  batchSize: 32,
  validationSplit: 0.2,
  shuffle: true,
  normalize: 'standard' as Normalize,
  missing: 'drop' as Missing,
  optimizer: 'adam' as const,
  patience: 10,
  minDelta: 0,
  freeze: 0,
};

export interface ResolvedData extends DataSpec {
  normalize: Normalize;
  missing: Missing;
  validationSplit: number;
  shuffle: boolean;
}

export interface ResolvedTraining {
  epochs: number;
  batchSize: number;
  /** The shorthand `learningRate` is merged in here. */
  optimizer: OptimizerSpec;
  /** Present when known: given, or derived from the data description. */
  loss?: LossName;
  metrics?: MetricName[];
  earlyStopping?: Required<EarlyStoppingSpec>;
  seed?: number;
}

export interface ResolvedSpec extends Spec {
  name: string;
  task?: Task;
  data: ResolvedData;
  model: ModelSpec & { freeze: number; output: { activation?: Activation } };
  training: ResolvedTraining;
}

/** The experiment's name: the file name without `.dlmodel.json`. */
export function nameFromPath(specPath: string): string {
  const b = basename(specPath);
  return b.replace(/\.dlmodel\.json$/i, '').replace(/\.jsonc?$/i, '') || 'experiment';
}

/**
 * The derived output layer: 1 sigmoid unit for two classes, one softmax unit per class for more, one
 * linear unit per target for regression. A categorical loss chosen for two classes gets two softmax units.
 * The engine's planOutput (src/engine/model.ts) makes the same choice.
 */
export function derivedOutput(
  task: Task,
  classCount: number,
  targetCount: number,
  loss?: LossName,
  input?: AutoencoderInput,
): { units: number; activation: Activation; loss: LossName } {
  if (task === 'autoencoder') {
    const out = autoencoderOutput(input ?? { shape: [1], scaled01: false });
    return { units: out.units, activation: out.activation, loss: loss ?? out.loss };
  }
  if (task === 'classification') {
    const l = loss ?? (classCount <= 2 ? 'binaryCrossentropy' : 'categoricalCrossentropy');
    const perClass = classCount > 2 || l === 'categoricalCrossentropy' || l === 'sparseCategoricalCrossentropy';
    return perClass ? { units: classCount, activation: 'softmax', loss: l } : { units: 1, activation: 'sigmoid', loss: l };
  }
  return { units: Math.max(1, targetCount), activation: 'linear', loss: loss ?? 'meanSquaredError' };
}

/** What an autoencoder's output reproduces: the input's shape, and whether its values lie in 0..1. */
export interface AutoencoderInput {
  shape: readonly number[];
  /** Images (pixels 0..1) and "normalize": "minmax". */
  scaled01: boolean;
}

/**
 * An autoencoder's derived output: the input's shape (as many units as input values), sigmoid when the
 * inputs lie in 0..1 (images, minmax), linear otherwise; mean squared error. The engine's planOutput and
 * the summary both take it from here.
 */
export function autoencoderOutput(input: AutoencoderInput): { units: number; shape: number[]; activation: Activation; loss: LossName } {
  const units = input.shape.reduce((a, b) => a * b, 1);
  return { units, shape: [...input.shape], activation: input.scaled01 ? 'sigmoid' : 'linear', loss: 'meanSquaredError' };
}

export function autoencoderInputOf(description: { inputShape: readonly number[]; image?: unknown }, normalize: Normalize): AutoencoderInput {
  return { shape: description.inputShape, scaled01: description.image !== undefined || normalize === 'minmax' };
}

export function defaultMetrics(task: Task): MetricName[] {
  if (task === 'autoencoder') return [];
  return task === 'classification' ? ['accuracy'] : ['mae'];
}

/**
 * A spec with every default applied. With a data description, the data-dependent defaults too:
 * task, features, loss, metrics and the output activation.
 */
export function withDefaults(spec: Spec, specPath: string, description?: DataDescription): ResolvedSpec {
  const t = spec.training ?? {};
  const opt: OptimizerSpec =
    typeof t.optimizer === 'object' ? { ...t.optimizer } : { type: t.optimizer ?? DEFAULTS.optimizer };
  if (opt.learningRate === undefined && t.learningRate !== undefined) opt.learningRate = t.learningRate;

  const data: ResolvedData = {
    ...spec.data,
    normalize: spec.data.normalize ?? DEFAULTS.normalize,
    missing: spec.data.missing ?? DEFAULTS.missing,
    validationSplit: spec.data.validationSplit ?? DEFAULTS.validationSplit,
    shuffle: spec.data.shuffle ?? DEFAULTS.shuffle,
  };
  const task = spec.task ?? description?.task;
  const training: ResolvedTraining = {
    epochs: t.epochs ?? DEFAULTS.epochs,
    batchSize: t.batchSize ?? DEFAULTS.batchSize,
    optimizer: opt,
  };
  if (t.seed !== undefined) training.seed = t.seed;
  if (t.earlyStopping) {
    training.earlyStopping = {
      monitor: t.earlyStopping.monitor ?? (data.validationSplit > 0 ? 'val_loss' : 'loss'),
      patience: t.earlyStopping.patience ?? DEFAULTS.patience,
      minDelta: t.earlyStopping.minDelta ?? DEFAULTS.minDelta,
    };
  }
  const output: { activation?: Activation } = { ...spec.model.output };
  if (description) {
    data.features = description.features.map((f) => f.column);
    const out = derivedOutput(description.task, description.classNames?.length ?? 0, description.target.length, t.loss, autoencoderInputOf(description, data.normalize));
    training.loss = out.loss;
    output.activation = output.activation ?? out.activation;
  } else if (t.loss !== undefined) {
    training.loss = t.loss;
  }
  if (t.metrics !== undefined) training.metrics = [...t.metrics];
  else if (task !== undefined) training.metrics = defaultMetrics(task);

  const resolved: ResolvedSpec = {
    ...spec,
    name: spec.name ?? nameFromPath(specPath),
    data,
    model: { ...spec.model, layers: spec.model.layers ?? [], freeze: spec.model.freeze ?? DEFAULTS.freeze, output },
    training,
  };
  if (task !== undefined) resolved.task = task;
  return resolved;
}
