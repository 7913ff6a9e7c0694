// From a spec to a compiled tfjs LayersModel: the input layer derived from the data, the user's hidden
// layers, the output layer derived from the target, loss, optimizer and metrics. Every random initializer
// gets a seed derived from the run's seed, so the same seed on the same backend builds the same network.
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology';
import type { Optimizer, Tensor } from '@tensorflow/tfjs-core';
import type { Activation, LayerSpec, LossName, MetricName, OptimizerName, OptimizerSpec } from '../format/types';
import type { LayerSummary } from '../protocol/trainer';
import type { ParamCounts, PreprocessJson } from '../runs/types';
import type { TF } from './tf';
import { CLASS_TO_TYPE } from '../format/base-model';
import { fusedAdam } from './optim/fused-adam';
import { autoencoderInputOf, autoencoderOutput } from '../format/defaults';
import { codeLayerIndex } from '../common/code-layer';

/** What the output layer and the loss are, derived from the task unless the spec overrides them. */
export interface OutputPlan {
  units: number;
  activation: Activation;
  loss: LossName;
  /** How targets are fed: 0/1 in one column, one-hot, class index, (scaled) values, or the input itself (autoencoders). */
  targetMode: 'binary' | 'onehot' | 'index' | 'values' | 'input';
  /** Autoencoders: the shape the output reproduces (the input's). */
  shape?: number[];
}

export function planOutput(pre: PreprocessJson, opts: { loss?: LossName; activation?: Activation }): OutputPlan {
  if (pre.task === 'autoencoder') {
    const out = autoencoderOutput(autoencoderInputOf({ inputShape: pre.inputShape, image: pre.image }, pre.normalization.kind));
    return { units: out.units, activation: opts.activation ?? out.activation, loss: opts.loss ?? out.loss, targetMode: 'input', shape: out.shape };
  }
  if (pre.task === 'classification') {
    const k = pre.classNames?.length ?? 0;
    const loss = opts.loss ?? (k <= 2 ? 'binaryCrossentropy' : 'categoricalCrossentropy');
    if (loss === 'sparseCategoricalCrossentropy') {
      return { units: k, activation: opts.activation ?? 'softmax', loss, targetMode: 'index' };
    }
    if (loss === 'categoricalCrossentropy' || k > 2) {
      return { units: k, activation: opts.activation ?? 'softmax', loss, targetMode: 'onehot' };
    }
    return { units: 1, activation: opts.activation ?? 'sigmoid', loss, targetMode: 'binary' };
  }
  return { units: Math.max(1, pre.target.length), activation: opts.activation ?? 'linear', loss: opts.loss ?? 'meanSquaredError', targetMode: 'values' };
}

/** Default learning rates of the TensorFlow.js optimizers, shown to the user when the spec sets none. */
export const DEFAULT_LEARNING_RATES: Record<OptimizerName, number> = {
  sgd: 0.01,
  momentum: 0.01,
  adam: 0.001,
  adamax: 0.002,
  adagrad: 0.01,
  adadelta: 0.001,
  rmsprop: 0.001,
};

export function makeOptimizer(tf: TF, spec: OptimizerSpec): Optimizer {
  const lr = spec.learningRate ?? DEFAULT_LEARNING_RATES[spec.type];
  switch (spec.type) {
    case 'sgd':
      return tf.train.sgd(lr);
    case 'momentum':
      return tf.train.momentum(lr, 0.9);
    case 'adam':
      // One pass per variable instead of ~14 kernels on wasm; the stock optimizer elsewhere.
      return tf.getBackend() === 'wasm' ? fusedAdam(tf, lr) : tf.train.adam(lr);
    case 'adamax':
      return tf.train.adamax(lr);
    case 'adagrad':
      return tf.train.adagrad(lr);
    case 'adadelta':
      return tf.train.adadelta(lr);
    case 'rmsprop':
      return tf.train.rmsprop(lr);
  }
}

type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** A loss tfjs-layers understands: its own names, or a function for those it lacks. */
export function lossFor(tf: TF, loss: LossName): string | LossFn {
  if (loss === 'huberLoss') return (yTrue: Tensor, yPred: Tensor) => tf.losses.huberLoss(yTrue, yPred);
  return loss;
}

/** Metrics as tfjs-layers takes them: names it knows, functions for precision and recall (it has no names for them). */
function metricFor(tf: TF, m: MetricName): string | LossFn {
  switch (m) {
    case 'precision':
      return (yTrue: Tensor, yPred: Tensor) => tf.metrics.precision(yTrue, yPred);
    case 'recall':
      return (yTrue: Tensor, yPred: Tensor) => tf.metrics.recall(yTrue, yPred);
    default:
      return m;
  }
}

export function compileModel(tf: TF, model: LayersModel, plan: OutputPlan, optimizer: OptimizerSpec, metrics: MetricName[]): void {
  model.compile({
    optimizer: makeOptimizer(tf, optimizer),
    loss: lossFor(tf, plan.loss) as string,
    metrics: metrics.map((m) => metricFor(tf, m)) as string[],
  });
}

/** A positive 32-bit seed per layer (tfjs treats seed 0 as "no seed"). */
function layerSeed(seed: number, index: number): number {
  return ((seed >>> 0) * 7919 + (index + 1) * 104729) % 2147483647 || 1;
}

function hiddenLayer(tf: TF, l: LayerSpec, name: string, seed: number): Layer {
  const kernelInitializer = tf.initializers.glorotUniform({ seed });
  const common = { name };
  switch (l.type) {
    case 'dense':
      return tf.layers.dense({ ...common, units: l.units ?? 1, activation: l.activation, useBias: l.useBias, kernelInitializer });
    case 'dropout':
      // No seed here: tfjs would reuse one fixed mask for every batch. The trainer seeds Math.random instead.
      return tf.layers.dropout({ ...common, rate: l.rate ?? 0.5 });
    case 'batchNormalization':
      return tf.layers.batchNormalization(common);
    case 'flatten':
      return tf.layers.flatten(common);
    case 'conv2d':
      return tf.layers.conv2d({
        ...common,
        filters: l.filters ?? 1,
        kernelSize: l.kernelSize ?? 3,
        strides: l.strides,
        padding: l.padding,
        activation: l.activation,
        useBias: l.useBias,
        kernelInitializer,
      });
    case 'maxPooling2d':
      return tf.layers.maxPooling2d({ ...common, poolSize: l.poolSize ?? 2, strides: l.strides, padding: l.padding });
    case 'averagePooling2d':
      return tf.layers.averagePooling2d({ ...common, poolSize: l.poolSize ?? 2, strides: l.strides, padding: l.padding });
    case 'globalAveragePooling2d':
      return tf.layers.globalAveragePooling2d(common);
    case 'reshape':
      return tf.layers.reshape({ ...common, targetShape: l.targetShape ?? [-1] });
    case 'embedding':
      return tf.layers.embedding({
        ...common,
        inputDim: l.inputDim ?? 1,
        outputDim: l.outputDim ?? 1,
        embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }),
      });
    case 'simpleRNN':
    case 'lstm':
    case 'gru': {
      const args = {
        ...common,
        units: l.units ?? 1,
        activation: l.activation,
        useBias: l.useBias,
        returnSequences: l.returnSequences,
        kernelInitializer,
        recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 1 }),
      };
      return l.type === 'simpleRNN' ? tf.layers.simpleRNN(args) : l.type === 'lstm' ? tf.layers.lstm(args) : tf.layers.gru(args);
    }
    case 'conv1d':
      return tf.layers.conv1d({
        ...common,
        filters: l.filters ?? 1,
        kernelSize: (Array.isArray(l.kernelSize) ? l.kernelSize[0] : l.kernelSize) ?? 3,
        strides: Array.isArray(l.strides) ? l.strides[0] : l.strides,
        padding: l.padding,
        activation: l.activation,
        useBias: l.useBias,
        kernelInitializer,
      });
    case 'globalAveragePooling1d':
      return tf.layers.globalAveragePooling1d(common);
  }
}

export interface BuildOptions {
  layers: LayerSpec[];
  plan: OutputPlan;
  inputShape: number[];
  seed: number;
  /** Transfer learning: a trained model whose layers (all but its output layer) come first. */
  base?: LayersModel;
  freeze?: number;
}

export class ModelBuildError extends Error {
  override name = 'ModelBuildError';
}

/**
 * The network as a functional model: `input` -> [base layers] -> hidden layers -> `output`. When the last
 * hidden layer still has a spatial shape (an image fed to dense layers), a flatten is inserted before the
 * output, since the output layer must give one vector per example.
 */
export function buildModel(tf: TF, o: BuildOptions): LayersModel {
  const used = new Set<string>(['input', 'output']);
  // Names as the summary shows them (src/format/summary.ts): per-type counters, base layers included.
  const counters = new Map<string, number>();
  const nextName = (type: string) => {
    const n = (counters.get(type) ?? 0) + 1;
    counters.set(type, n);
    return `${type}_${n}`;
  };
  const input = tf.input({ shape: o.inputShape, name: 'input' });
  let x: SymbolicTensor = input;
  if (o.base) {
    const baseShape = o.base.inputs[0].shape.slice(1);
    if (baseShape.join('x') !== o.inputShape.join('x')) {
      throw new ModelBuildError(
        `model.from: the trained model takes inputs of shape [${baseShape.join(', ')}], but this data gives [${o.inputShape.join(', ')}]`,
      );
    }
    const baseLayers = o.base.layers.filter((l) => l.getClassName() !== 'InputLayer');
    const reused = baseLayers.slice(0, -1);
    const freeze = o.freeze ?? 0;
    if (freeze > reused.length) {
      throw new ModelBuildError(`model.freeze is ${freeze}, but the trained model has only ${reused.length} layers below its output`);
    }
    reused.forEach((layer, i) => {
      layer.trainable = i >= freeze;
      used.add(layer.name);
      nextName(layerTypeName(layer));
      x = layer.apply(x) as SymbolicTensor;
    });
  }
  o.layers.forEach((spec, i) => {
    let name = spec.name ?? nextName(spec.type);
    while (used.has(name)) name = `${name}_new`;
    used.add(name);
    try {
      x = hiddenLayer(tf, spec, name, layerSeed(o.seed, i)).apply(x) as SymbolicTensor;
    } catch (err) {
      throw new ModelBuildError(`model.layers[${i}] (${spec.type}): ${(err as Error).message.split('\n')[0]}`);
    }
  });
  const target = o.plan.shape;
  // A convolutional autoencoder that is back at the input's height and width: a convolution to its channels.
  if (o.plan.targetMode === 'input' && target?.length === 3 && x.shape.length === 4 && x.shape[1] === target[0] && x.shape[2] === target[1]) {
    const out = tf.layers
      .conv2d({
        name: 'output',
        filters: target[2],
        kernelSize: 3,
        padding: 'same',
        activation: o.plan.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed(o.seed, 1000) }),
      })
      .apply(x) as SymbolicTensor;
    return tf.model({ inputs: input, outputs: out, name: 'dlmodel' });
  }
  if (x.shape.length > 2) {
    let name = 'flatten_output';
    while (used.has(name)) name = `${name}_new`;
    x = tf.layers.flatten({ name }).apply(x) as SymbolicTensor;
  }
  const out = tf.layers
    .dense({
      name: 'output',
      units: o.plan.units,
      activation: o.plan.activation,
      kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed(o.seed, 1000) }),
    })
    .apply(x) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'dlmodel' });
}

export function countParams(model: LayersModel): ParamCounts {
  const size = (ws: { shape: readonly (number | null)[] }[]) =>
    ws.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
  const trainable = size(model.trainableWeights);
  const nonTrainable = size(model.nonTrainableWeights);
  return { trainable, nonTrainable, total: trainable + nonTrainable };
}

/** An autoencoder's code layer in a built model: the narrowest of the layers between input and output. */
export function codeLayerOf(model: LayersModel): Layer | undefined {
  const hidden = model.layers.slice(1, -1).filter((l) => l.name !== 'flatten_output' && !l.name.startsWith('flatten_output'));
  const i = codeLayerIndex(hidden.map((l) => (l.outputShape as (number | null)[]).slice(1)));
  return i >= 0 ? hidden[i] : undefined;
}

export function layerTypeName(layer: Layer): string {
  const c = layer.getClassName();
  if (c === 'InputLayer') return 'input';
  return CLASS_TO_TYPE[c] ?? c.charAt(0).toLowerCase() + c.slice(1);
}

/** The network as the dashboard draws it, taken from the real model (so it includes transferred layers). */
export function summarizeBuiltModel(model: LayersModel): LayerSummary[] {
  const out: LayerSummary[] = [];
  const last = model.layers.length - 1;
  model.layers.forEach((layer, i) => {
    const cls = layer.getClassName();
    const shape = layer.outputShape as (number | null)[];
    const params = layer.countParams();
    const cfg = layer.getConfig() as { units?: number; activation?: string };
    const s: LayerSummary = {
      name: layer.name,
      type: layerTypeName(layer),
      outputShape: Array.isArray(shape[0]) ? (shape[0] as unknown as (number | null)[]) : shape,
      params,
      trainable: layer.trainable,
    };
    if (cls === 'InputLayer') s.derived = 'input';
    if (i === last) s.derived = 'output';
    if (typeof cfg.units === 'number') s.units = cfg.units;
    if (typeof cfg.activation === 'string') s.activation = cfg.activation;
    if (cls === 'Dense') {
      const kernel = layer.weights[0];
      if (kernel) {
        const [inputs, units] = kernel.shape;
        const hasBias = layer.weights.length > 1;
        s.formula = hasBias ? `${inputs} x ${units} + ${units} = ${params}` : `${inputs} x ${units} = ${params}`;
      }
    }
    // A convolution's parameters are its filters (kernel height x width x input channels, one per filter) and a bias each.
    if (cls === 'Conv2D' || cls === 'Conv1D') {
      const kernel = layer.weights[0];
      if (kernel) {
        const dims = kernel.shape.join(' x ');
        const filters = kernel.shape[kernel.shape.length - 1];
        s.formula = layer.weights.length > 1 ? `${dims} + ${filters} = ${params}` : `${dims} = ${params}`;
      }
    }
    out.push(s);
  });
  return out;
}
