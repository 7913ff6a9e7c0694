// The `.dlmodel.json` format, version 1, as TypeScript types (see shared/spec/dlmodel-format.md).
// These are the shapes after parsing: every optional field may be absent; defaults are applied by
// `withDefaults` in defaults.ts, never silently elsewhere.

export type Task = 'classification' | 'regression' | 'autoencoder';
export type Normalize = 'standard' | 'minmax' | 'none';
export type Missing = 'drop' | 'mean' | 'error';

export const ACTIVATIONS = [
  'linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh',
  'softmax', 'softplus', 'softsign', 'swish', 'mish', 'gelu',
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const LAYER_TYPES = [
  'dense', 'dropout', 'batchNormalization', 'flatten', 'conv2d', 'maxPooling2d', 'averagePooling2d',
  'globalAveragePooling2d', 'reshape', 'embedding', 'simpleRNN', 'lstm', 'gru', 'conv1d',
  'globalAveragePooling1d',
] as const;
export type LayerType = (typeof LAYER_TYPES)[number];

export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamax', 'adagrad', 'adadelta', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const LOSSES = [
  'binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy',
  'meanSquaredError', 'meanAbsoluteError', 'huberLoss',
] as const;
export type LossName = (typeof LOSSES)[number];

export const METRICS = ['accuracy', 'mae', 'mse', 'precision', 'recall'] as const;
export type MetricName = (typeof METRICS)[number];

export const BACKENDS = ['auto', 'cuda', 'webgpu', 'native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type ConcreteBackend = Exclude<BackendName, 'auto'>;



export interface ImageOptions {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

export interface DataSpec {
  source?: string;
  rows?: Record<string, unknown>[];
  /** Absent for an autoencoder (it has no target) and optional for an image folder. */
  target?: string | string[];
  features?: string[];
  /** A column kept aside, never input nor target: it colours plots and scores clusters. */
  label?: string;
  ignore?: string[];
  normalize?: Normalize;
  missing?: Missing;
  validationSplit?: number;
  shuffle?: boolean;
  image?: ImageOptions;
}

/** One hidden layer. Options are those of the TensorFlow.js Layers API for that type. */
export interface LayerSpec {
  type: LayerType;
  units?: number;
  activation?: Activation;
  useBias?: boolean;
  rate?: number;
  filters?: number;
  kernelSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  poolSize?: number | [number, number];
  targetShape?: number[];
  inputDim?: number;
  outputDim?: number;
  returnSequences?: boolean;
  name?: string;
}

export interface ModelSpec {
  layers: LayerSpec[];
  output?: { activation?: Activation };
  /** Transfer learning: a run folder whose model supplies the first layers. */
  from?: string;
  freeze?: number;
  /** Autoencoders: group the rows into this many clusters by k-means on their codes. */
  clusters?: number;
}

export interface OptimizerSpec {
  type: OptimizerName;
  learningRate?: number;
}

export interface EarlyStoppingSpec {
  monitor?: string;
  patience?: number;
  minDelta?: number;
}

export interface TrainingSpec {
  epochs?: number;
  batchSize?: number;
  optimizer?: OptimizerName | OptimizerSpec;
  learningRate?: number;
  loss?: LossName;
  metrics?: MetricName[];
  earlyStopping?: EarlyStoppingSpec;
  seed?: number;
  /** Semi-supervised: rows with a missing target are unlabelled; each round adopts the confident ones. */
  pseudoLabels?: PseudoLabelsSpec;
}

export interface PseudoLabelsSpec {
  threshold: number;
  rounds: number;
}

export interface PredictSpec {
  inputs?: Record<string, unknown>[];
  source?: string;
}

export interface Spec {
  name?: string;
  description?: string;
  task?: Task;
  data: DataSpec;
  model: ModelSpec;
  training?: TrainingSpec;
  predict?: PredictSpec;
}
