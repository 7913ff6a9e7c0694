// What each hidden-layer type accepts, requires and defaults to (TensorFlow.js Layers API names).
// One table used by the structural checks, the schema test, shape inference and the engine.
import type { LayerSpec, LayerType } from './types';

export type LayerOption = Exclude<keyof LayerSpec, 'type'>;

export interface LayerInfo {
  /** Options that are accepted, in the order they are listed to users. */
  options: readonly LayerOption[];
  required: readonly LayerOption[];
  /** One line for hovers and messages. */
  doc: string;
}

export const LAYER_INFO: Record<LayerType, LayerInfo> = {
  dense: {
    options: ['units', 'activation', 'useBias', 'name'],
    required: ['units'],
    doc: 'Fully connected layer: every neuron has one weight per input and a bias.',
  },
  dropout: {
    options: ['rate', 'name'],
    required: ['rate'],
    doc: 'During training, sets a random fraction `rate` of its inputs to 0 (no parameters).',
  },
  batchNormalization: {
    options: ['name'],
    required: [],
    doc: 'Normalizes its inputs per channel: a learned scale and shift, plus a moving mean and variance.',
  },
  flatten: {
    options: ['name'],
    required: [],
    doc: 'Turns an image or sequence into one flat vector (no parameters).',
  },
  conv2d: {
    options: ['filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias', 'name'],
    required: ['filters', 'kernelSize'],
    doc: '2D convolution: `filters` small kernels slid over the image.',
  },
  maxPooling2d: {
    options: ['poolSize', 'strides', 'padding', 'name'],
    required: [],
    doc: 'Keeps the largest value of each poolSize window (no parameters).',
  },
  averagePooling2d: {
    options: ['poolSize', 'strides', 'padding', 'name'],
    required: [],
    doc: 'Averages each poolSize window (no parameters).',
  },
  globalAveragePooling2d: {
    options: ['name'],
    required: [],
    doc: 'Averages each channel over the whole image: one value per channel.',
  },
  reshape: {
    options: ['targetShape', 'name'],
    required: ['targetShape'],
    doc: 'Rearranges its input into `targetShape` (same number of values).',
  },
  embedding: {
    options: ['inputDim', 'outputDim', 'name'],
    required: ['inputDim', 'outputDim'],
    doc: 'Maps each integer token id (0 .. inputDim-1) to a learned vector of outputDim values.',
  },
  simpleRNN: {
    options: ['units', 'activation', 'useBias', 'returnSequences', 'name'],
    required: ['units'],
    doc: 'Recurrent layer: reads a sequence step by step, keeping a state of `units` values.',
  },
  lstm: {
    options: ['units', 'activation', 'useBias', 'returnSequences', 'name'],
    required: ['units'],
    doc: 'Long short-term memory: a recurrent layer with gates that keep information over long sequences.',
  },
  gru: {
    options: ['units', 'activation', 'useBias', 'returnSequences', 'name'],
    required: ['units'],
    doc: 'Gated recurrent unit: a lighter gated recurrent layer.',
  },
  conv1d: {
    options: ['filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias', 'name'],
    required: ['filters', 'kernelSize'],
    doc: '1D convolution over a sequence.',
  },
  globalAveragePooling1d: {
    options: ['name'],
    required: [],
    doc: 'Averages each feature over the whole sequence.',
  },
};

/** Defaults of the TensorFlow.js Layers API, spelled out so summary and engine agree. */
export const LAYER_DEFAULTS = {
  activation: 'linear',
  rnnActivation: 'tanh',
  useBias: true,
  strides: 1,
  padding: 'valid',
  poolSize: 2,
  returnSequences: false,
} as const;

export function pair(v: number | [number, number] | undefined, fallback: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

export const RECURRENT_TYPES: ReadonlySet<LayerType> = new Set<LayerType>(['simpleRNN', 'lstm', 'gru']);
