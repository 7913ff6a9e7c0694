// The `.dlmodel.json` format, version 1.1, as TypeScript types (see shared/spec/dlmodel-format.md).
// These are the shapes after parsing: every optional field may be absent. Defaults are filled in once,
// by makePlan (plan.ts); layer defaults come from the layer descriptors (layers/).

export const TASKS = ['classification', 'regression', 'sequence', 'autoencoder'] as const;
export type Task = (typeof TASKS)[number];
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
  'globalAveragePooling1d', 'globalMaxPooling1d', 'maxPooling1d', 'repeatVector', 'bidirectional',
  'upSampling2d', 'conv2dTranspose',
] as const;
export type LayerType = (typeof LAYER_TYPES)[number];

export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamax', 'adagrad', 'adadelta', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const LOSSES = [
  'binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy',
  'meanSquaredError', 'meanAbsoluteError', 'huberLoss',
] as const;
export type LossName = (typeof LOSSES)[number];

export const METRICS = ['accuracy', 'mae', 'mse', 'precision', 'recall', 'tokenAccuracy', 'sequenceAccuracy'] as const;
export type MetricName = (typeof METRICS)[number];

export const BACKENDS = ['auto', 'torch', 'cuda', 'webgpu', 'native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
/** The TensorFlow.js backends (the ladder). */
export type ConcreteBackend = Exclude<BackendName, 'auto' | 'torch'>;
/** Where the `torch` backend trained, as run.json records it. */
export const TORCH_DEVICES = ['torch-cuda', 'torch-mps', 'torch-cpu'] as const;
export type TorchDevice = (typeof TORCH_DEVICES)[number];
/** What a run trained on: a TensorFlow.js backend or PyTorch on a device. */
export type RunBackend = ConcreteBackend | TorchDevice;



export interface ImageOptions {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

export const TOKENS = ['words', 'characters'] as const;
export type Tokens = (typeof TOKENS)[number];
export const MERGE_MODES = ['concat', 'sum', 'mul', 'ave'] as const;
export type MergeMode = (typeof MERGE_MODES)[number];

/** How a text column becomes token ids (the object form of `data.text`). */
export interface TextOptions {
  column?: string;
  tokens?: Tokens;
  lowercase?: boolean;
  maxLength?: number;
  vocabularySize?: number;
}

export interface DataSpec {
  source?: string;
  rows?: Record<string, unknown>[];
  /** Optional for an image folder (names the class, default "class") and for an autoencoder. */
  target?: string | string[];
  /** The text column, or its options. */
  text?: string | TextOptions;
  /** A sequence task's target text options (`column` is the target). */
  targetText?: TextOptions;
  /** Columns treated as categories even when their values are numbers. */
  categorical?: string[];
  /** A column kept aside: colours plots, scores clusters; never an input or a target. */
  label?: string;
  features?: string[];
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
  /** repeatVector: how many times (derived for a sequence task). */
  n?: number;
  /** upSampling2d. */
  size?: number | [number, number];
  /** bidirectional: the recurrent layer it runs both ways. */
  layer?: LayerSpec;
  mergeMode?: MergeMode;
  name?: string;
}

export interface ModelSpec {
  layers: LayerSpec[];
  output?: { activation?: Activation };
  /** Transfer learning: a run folder whose model supplies the first layers. */
  from?: string;
  freeze?: number;
  /** Autoencoder: k-means clusters of the codes. */
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
  restoreBestWeights?: boolean;
}

export interface PseudoLabelsSpec {
  threshold?: number;
  rounds?: number;
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
  pseudoLabels?: PseudoLabelsSpec;
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
