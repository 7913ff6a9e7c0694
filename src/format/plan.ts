// The plan: what an experiment is, worked out once. makePlan turns a validated spec and what validation
// learned about its data into every choice as actually used, defaults filled in: the task, each layer
// (derived input, hidden, derived output) with all its options, output shape and parameter count, the
// optimizer and its learning rate, batch size, epochs, loss, metrics, early stopping and the row counts
// after missing values are handled. Validation returns it; the summaries, the trainer, run.json, the
// dashboard and run comparison read it. Nothing else fills in a default.
import { countParams, type ParamCounts } from '../common/params';
import { codeLayerIndex } from '../common/code-layer';
import { splitCounts } from '../data/split';
import type { DataDescription } from '../data/columns';
import type { BaseModel } from './base-model';
import { inferShapes, denseParams } from './shapes';
import type { LayerContext } from './layers';
import type {
  Activation, LayerSpec, LossName, MetricName, Missing, Normalize, OptimizerName, Spec, Task,
} from './types';

/** Every default of the format that is not a layer option (layer defaults live in the descriptors). */
export const DEFAULTS = {
  epochs: 50,
  batchSize: 32,
  validationSplit: 0.2,
  shuffle: true,
  normalize: 'standard' as Normalize,
  missing: 'drop' as Missing,
  optimizer: 'adam' as OptimizerName,
  patience: 10,
  minDelta: 0,
  restoreBestWeights: false,
  freeze: 0,
  /** Pseudo-labels (the format's example values). */
  pseudoLabelThreshold: 0.9,
  pseudoLabelRounds: 3,
};

/** The TensorFlow.js optimizers' own default learning rates. */
export const DEFAULT_LEARNING_RATES: Record<OptimizerName, number> = {
  sgd: 0.01,
  momentum: 0.01,
  adam: 0.001,
  adamax: 0.002,
  adagrad: 0.01,
  adadelta: 0.001,
  rmsprop: 0.001,
};

/** One layer as built: every option, its output shape (without the batch dimension) and parameters. */
export type PlannedLayer = Omit<LayerSpec, 'type'> & {
  type: LayerSpec['type'] | 'input' | 'timeDistributed';
  name: string;
  outputShape: number[];
  params: number;
  /** Of `params`, those training does not change (batch-norm statistics); all of them in a frozen layer. */
  nonTrainableParams: number;
  trainable: boolean;
  formula?: string;
  derived?: 'input' | 'output';
  /** A layer of the transfer-learning base model (model.from). */
  fromBase?: boolean;
  /** An autoencoder's code: its narrowest hidden layer. */
  code?: boolean;
};

export interface EarlyStoppingPlan {
  monitor: string;
  patience: number;
  minDelta: number;
  restoreBestWeights: boolean;
}

export interface Plan {
  name: string;
  task: Task;
  inputShape: number[];
  layers: PlannedLayer[];
  optimizer: OptimizerName;
  learningRate: number;
  batchSize: number;
  epochs: number;
  loss: LossName;
  metrics: MetricName[];
  earlyStopping?: EarlyStoppingPlan;
  /** The spec's seed; a run without one records the random seed it drew (run.json `seed`, and its plan). */
  seed?: number;
  normalize: Normalize;
  missing: Missing;
  validationSplit: number;
  shuffle: boolean;
  /** Layers of the base model (model.from) that are not trained. */
  freeze: number;
  /** Rows (or images) in the data, before missing values are handled. */
  rows: number;
  /** Rows removed because of missing values. */
  droppedRows: number;
  trainRows: number;
  validationRows: number;
  params: ParamCounts;
  /** Autoencoders: the code layer's name, and how many k-means clusters of the codes (model.clusters). */
  codeLayer?: string;
  clusters?: number;
  /** Semi-supervised: `epochs` is per round; round 0 is the first fit, then `rounds` adoptions. */
  pseudoLabels?: { threshold: number; rounds: number };
  /** A text input (and a sequence task's target text) as tokenized: the options with their defaults. */
  text?: PlanText;
  targetText?: PlanText;
}

export interface PlanText {
  column: string;
  tokens: 'words' | 'characters';
  lowercase: boolean;
  maxLength: number;
  /** Token ids: padding (0), unknown (1) and the vocabulary; the embedding's inputDim. */
  ids: number;
}

/** What makePlan needs besides the spec: what validation read. */
export interface PlanInput {
  /** The experiment's name (the spec's, or from the file name). */
  name: string;
  description: DataDescription;
  /** Rows left after missing values are handled ("drop" removes some, "mean" only those without a target). */
  usableRows: number;
  base?: BaseModel;
  /** Derived layer options (vocabulary size, target length). */
  layerContext?: LayerContext;
  text?: PlanText;
  targetText?: PlanText;
}

export class PlanError extends Error {
  constructor(
    message: string,
    /** Index into [...base layers, ...hidden layers]; the layer count for the output layer. */
    readonly layerIndex: number,
  ) {
    super(message);
    this.name = 'PlanError';
  }
}

/**
 * The derived output layer: 1 sigmoid unit for two classes, one softmax unit per class for more, one
 * linear unit per target for regression. A categorical loss chosen for two classes gets two softmax units.
 */
export function derivedOutput(
  task: Task,
  classCount: number,
  targetCount: number,
  loss?: LossName,
): { units: number; activation: Activation; loss: LossName } {
  if (task === 'sequence') {
    // One softmax over the target's token ids at every position (classCount: the target's ids).
    return { units: classCount, activation: 'softmax', loss: loss ?? 'sparseCategoricalCrossentropy' };
  }
  if (task === 'classification') {
    const l = loss ?? (classCount <= 2 ? 'binaryCrossentropy' : 'categoricalCrossentropy');
    const perClass = classCount > 2 || l === 'categoricalCrossentropy' || l === 'sparseCategoricalCrossentropy';
    return perClass ? { units: classCount, activation: 'softmax', loss: l } : { units: 1, activation: 'sigmoid', loss: l };
  }
  return { units: Math.max(1, targetCount), activation: 'linear', loss: loss ?? 'meanSquaredError' };
}

export function defaultMetrics(task: Task): MetricName[] {
  if (task === 'autoencoder') return [];
  if (task === 'sequence') return ['tokenAccuracy', 'sequenceAccuracy'];
  return task === 'classification' ? ['accuracy'] : ['mae'];
}

/**
 * An autoencoder's derived output: as many units as input values, sigmoid when the inputs lie in 0..1
 * (images, "normalize": "minmax"), linear otherwise; mean squared error.
 */
export function autoencoderOutput(inputShape: readonly number[], scaled01: boolean): { units: number; activation: Activation; loss: LossName } {
  return { units: inputShape.reduce((a, b) => a * b, 1), activation: scaled01 ? 'sigmoid' : 'linear', loss: 'meanSquaredError' };
}

/** The learning rate a spec asks for: optimizer.learningRate, then the shorthand, then the optimizer's own. */
export function learningRateOf(spec: Spec): { optimizer: OptimizerName; learningRate: number } {
  const t = spec.training ?? {};
  const optimizer = typeof t.optimizer === 'object' ? t.optimizer.type : (t.optimizer ?? DEFAULTS.optimizer);
  const given = typeof t.optimizer === 'object' ? (t.optimizer.learningRate ?? t.learningRate) : t.learningRate;
  return { optimizer, learningRate: given ?? DEFAULT_LEARNING_RATES[optimizer] };
}

/** The early-stopping monitor when none is given: val_loss with validation rows, loss without. */
export function defaultMonitor(validationSplit: number): string {
  return validationSplit > 0 ? 'val_loss' : 'loss';
}

/** Throws PlanError when the layers do not fit together (validation reports the same with ranges first). */
export function makePlan(spec: Spec, input: PlanInput): Plan {
  const { description, base } = input;
  const t = spec.training ?? {};
  const d = spec.data;
  const task = description.task;
  const inputShape = base ? [...base.preprocess.inputShape] : [...description.inputShape];

  const layers: PlannedLayer[] = [
    { type: 'input', name: 'input', outputShape: [...inputShape], params: 0, nonTrainableParams: 0, trainable: false, derived: 'input' },
  ];
  const baseLayers = base?.layers ?? [];
  const freeze = base ? Math.min(spec.model.freeze ?? DEFAULTS.freeze, baseLayers.length) : 0;
  const shapes = inferShapes(inputShape, [...baseLayers, ...spec.model.layers], input.layerContext);
  if (shapes.issue) {
    const i = shapes.issue.index;
    const where = i < baseLayers.length ? `base layer ${i + 1}` : `layer ${i - baseLayers.length + 1}`;
    throw new PlanError(`${where}: ${shapes.issue.message}`, i);
  }
  // Names as TensorFlow.js would number them: per-type counters, base layers included.
  const counters = new Map<string, number>();
  for (const s of shapes.layers) {
    const fromBase = s.index < baseLayers.length;
    const frozen = fromBase && s.index < freeze;
    const n = (counters.get(s.spec.type) ?? 0) + 1;
    counters.set(s.spec.type, n);
    const l: PlannedLayer = {
      ...s.spec,
      name: s.spec.name ?? `${s.spec.type}_${n}`,
      outputShape: s.outputShape,
      params: s.params,
      nonTrainableParams: frozen ? s.params : s.nonTrainable,
      trainable: !frozen,
    };
    if (s.formula !== undefined) l.formula = s.formula;
    if (fromBase) l.fromBase = true;
    layers.push(l);
  }

  const last = shapes.outputShape ?? inputShape;
  const normalize = d.normalize ?? DEFAULTS.normalize;
  let loss: LossName | undefined;
  if (task === 'autoencoder') {
    const out = autoencoderOutput(inputShape, description.image !== undefined || normalize === 'minmax');
    loss = t.loss ?? out.loss;
    layers.push(autoencoderOutputLayer(inputShape, last, out.units, spec.model.output?.activation ?? out.activation, shapes.layers.length));
    const hidden = layers.slice(1, -1).filter((l) => !l.fromBase);
    const code = hidden[codeLayerIndex(hidden.map((l) => l.outputShape))];
    if (code) code.code = true;
  } else if (task === 'sequence') {
    const positions = input.layerContext?.targetLength;
    if (last.length !== 2 || (positions !== undefined && last[0] !== positions)) {
      throw new PlanError(`a sequence task needs one vector per output position, but the last hidden layer gives [${last.join(', ')}]`, shapes.layers.length);
    }
    const out = derivedOutput(task, input.targetText?.ids ?? 0, 1, t.loss);
    const { params, formula } = denseParams(last[1], out.units);
    const activation = spec.model.output?.activation ?? out.activation;
    layers.push({
      type: 'timeDistributed',
      name: 'output',
      layer: { type: 'dense', units: out.units, activation, useBias: true },
      units: out.units,
      activation,
      useBias: true,
      outputShape: [last[0], out.units],
      params,
      nonTrainableParams: 0,
      trainable: true,
      formula,
      derived: 'output',
    });
  } else {
    if (last.length !== 1) {
      throw new PlanError(`the output layer needs a flat vector, but the last hidden layer gives [${last.join(', ')}]`, shapes.layers.length);
    }
    const out = derivedOutput(task, description.classNames?.length ?? 0, description.target.length, t.loss);
    loss = out.loss;
    const { params, formula } = denseParams(last[0], out.units);
    layers.push({
      type: 'dense',
      name: 'output',
      units: out.units,
      activation: spec.model.output?.activation ?? out.activation,
      useBias: true,
      outputShape: [out.units],
      params,
      nonTrainableParams: 0,
      trainable: true,
      formula,
      derived: 'output',
    });
  }
  const out = { loss: loss ?? derivedOutput(task, task === 'sequence' ? (input.targetText?.ids ?? 0) : (description.classNames?.length ?? 0), description.target.length, t.loss).loss };

  const validationSplit = d.validationSplit ?? DEFAULTS.validationSplit;
  const { train, validation } = splitCounts(input.usableRows, validationSplit);
  const { optimizer, learningRate } = learningRateOf(spec);
  const plan: Plan = {
    name: input.name,
    task,
    inputShape,
    layers,
    optimizer,
    learningRate,
    batchSize: t.batchSize ?? DEFAULTS.batchSize,
    epochs: t.epochs ?? DEFAULTS.epochs,
    loss: out.loss,
    metrics: t.metrics ? [...t.metrics] : defaultMetrics(task),
    normalize,
    missing: d.missing ?? DEFAULTS.missing,
    validationSplit,
    shuffle: d.shuffle ?? DEFAULTS.shuffle,
    freeze,
    rows: description.rowCount,
    droppedRows: description.rowCount - input.usableRows,
    trainRows: train,
    validationRows: validation,
    params: countParams(layers),
  };
  if (t.earlyStopping) {
    plan.earlyStopping = {
      monitor: t.earlyStopping.monitor ?? defaultMonitor(validationSplit),
      patience: t.earlyStopping.patience ?? DEFAULTS.patience,
      minDelta: t.earlyStopping.minDelta ?? DEFAULTS.minDelta,
      restoreBestWeights: t.earlyStopping.restoreBestWeights ?? DEFAULTS.restoreBestWeights,
    };
  }
  if (t.seed !== undefined) plan.seed = t.seed;
  const code = layers.find((l) => l.code);
  if (code) plan.codeLayer = code.name;
  if (task === 'autoencoder' && spec.model.clusters !== undefined) plan.clusters = spec.model.clusters;
  if (t.pseudoLabels && task === 'classification') {
    plan.pseudoLabels = {
      threshold: t.pseudoLabels.threshold ?? DEFAULTS.pseudoLabelThreshold,
      rounds: t.pseudoLabels.rounds ?? DEFAULTS.pseudoLabelRounds,
    };
  }
  if (input.text) plan.text = input.text;
  if (input.targetText) plan.targetText = input.targetText;
  return plan;
}

/** Why an autoencoder's output layer cannot follow the last hidden layer's shape, if it cannot. */
export function autoencoderOutputIssue(inputShape: readonly number[], last: readonly number[]): string | undefined {
  if (last.length === 1) return undefined;
  if (last.length === 3 && inputShape.length === 3 && last[0] === inputShape[0] && last[1] === inputShape[1]) return undefined;
  const image = inputShape.length === 3 ? `, or an image of the input's height and width (${inputShape[0]} x ${inputShape[1]})` : '';
  return `an autoencoder's output reproduces the input [${inputShape.join(', ')}]: the last hidden layer must give a flat vector${image}, but it gives [${last.join(', ')}]`;
}

/**
 * The output layer of an autoencoder: a dense layer of `units` sigmoid or linear units after a flat last
 * hidden layer, or, for a convolutional one already back at the input's height and width, a 3 x 3
 * convolution to the input's channels (same padding).
 */
function autoencoderOutputLayer(inputShape: readonly number[], last: readonly number[], units: number, activation: Activation, index: number): PlannedLayer {
  const common = { name: 'output', activation, useBias: true, nonTrainableParams: 0, trainable: true, derived: 'output' as const };
  if (last.length === 3 && inputShape.length === 3 && last[0] === inputShape[0] && last[1] === inputShape[1]) {
    const channels = inputShape[2];
    const params = 3 * 3 * last[2] * channels + channels;
    return {
      ...common, type: 'conv2d', filters: channels, kernelSize: 3, strides: 1, padding: 'same',
      outputShape: [...inputShape], params, formula: `3 x 3 x ${last[2]} x ${channels} + ${channels} = ${params}`,
    };
  }
  const why = autoencoderOutputIssue(inputShape, last);
  if (why) throw new PlanError(why, index);
  const { params, formula } = denseParams(last[0], units);
  return { ...common, type: 'dense', units, outputShape: [units], params, formula };
}

/** The plan a run uses: command-line overrides (--epochs) and the seed it drew, recorded. */
export function planForRun(plan: Plan, o: { epochs?: number; seed: number }): Plan {
  return { ...plan, epochs: o.epochs ?? plan.epochs, seed: o.seed };
}

/** How the trainer feeds targets: 0/1 in one column, one-hot, class index, (scaled) values, a token sequence, or the input itself (autoencoders). */
export type TargetMode = 'binary' | 'onehot' | 'index' | 'values' | 'sequence' | 'input';

export function outputLayer(plan: Plan): PlannedLayer {
  return plan.layers[plan.layers.length - 1];
}

export function targetModeOf(plan: Plan): TargetMode {
  if (plan.task === 'autoencoder') return 'input';
  if (plan.task === 'sequence') return 'sequence';
  if (plan.task !== 'classification') return 'values';
  if (plan.loss === 'sparseCategoricalCrossentropy') return 'index';
  return (outputLayer(plan).units ?? 1) > 1 ? 'onehot' : 'binary';
}
