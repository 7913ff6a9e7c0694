// From a spec to a compiled tfjs LayersModel: the input layer derived from the data, the user's hidden
// layers, the output layer derived from the target, loss, optimizer and metrics. Every random initializer
// gets a seed derived from the run's seed, so the same seed on the same backend builds the same network.
import { own } from '../format/own';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Layer } from '@tensorflow/tfjs-layers/dist/engine/topology';
import type { Optimizer, Tensor } from '@tensorflow/tfjs-core';
import type { Activation, LayerSpec, LossName, MetricName, OptimizerName } from '../format/types';
import { LAYERS, type AnyLayerType } from '../format/layers';
import { outputLayer, targetModeOf, type Plan, type TargetMode } from '../format/plan';
import type { LayerSummary } from '../protocol/trainer';
import type { ParamCounts } from '../runs/types';
import type { TF } from './tf';
import { CLASS_TO_TYPE } from '../format/base-model';
import { fusedAdam } from './optim/fused-adam';
import { codeLayerIndex } from '../common/code-layer';
import { useFastRecurrentLayers } from './layers/fast-lstm';
import { sequenceAccuracy, tokenAccuracy } from './metrics/sequence';
import { loadRunModel } from './checkpoint';
import * as path from 'node:path';

/** The output layer and how targets are fed, as the plan (format/plan.ts) decided them. */
export interface OutputPlan {
  units: number;
  /** A sequence task's output positions (one softmax over `units` target ids at each). */
  positions?: number;
  activation: Activation;
  loss: LossName;
  targetMode: TargetMode;
  /** The output layer as the plan has it when it is not plain dense (a convolutional autoencoder's convolution). */
  layer?: LayerSpec;
}

export function outputPlanOf(plan: Plan): OutputPlan {
  const out = outputLayer(plan);
  const o: OutputPlan = { units: out.units ?? out.outputShape.reduce((a, b) => a * b, 1), activation: out.activation ?? 'linear', loss: plan.loss, targetMode: targetModeOf(plan) };
  if (out.type === 'timeDistributed') o.positions = out.outputShape[0];
  if (out.type === 'conv2d') {
    o.layer = { type: 'conv2d', filters: out.filters, kernelSize: out.kernelSize, strides: out.strides, padding: out.padding, activation: out.activation, useBias: true };
  }
  return o;
}

export interface OptimizerChoice {
  type: OptimizerName;
  /** Always given: the plan fills in the optimizer's own default. */
  learningRate: number;
}

export function makeOptimizer(tf: TF, spec: OptimizerChoice): Optimizer {
  const lr = spec.learningRate;
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
    case 'tokenAccuracy':
      return tokenAccuracy(tf);
    case 'sequenceAccuracy':
      return sequenceAccuracy(tf);
    default:
      return m;
  }
}

export function compileModel(tf: TF, model: LayersModel, plan: OutputPlan, optimizer: OptimizerChoice, metrics: readonly MetricName[]): void {
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

type LayerFactory = (config: Record<string, unknown>) => Layer;

/** One layer from its descriptor (format/layers/): the class, its config, seeded initializers. */
function buildLayer(tf: TF, l: LayerSpec, name: string | undefined, seed: number): Layer {
  const d = LAYERS[l.type as AnyLayerType];
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d.tfjs.config(l))) if (v !== undefined) config[k] = v;
  if (name !== undefined) config.name = name;
  // A wrapper (bidirectional) takes its inner layer built.
  if (config.layer) config.layer = buildLayer(tf, config.layer as LayerSpec, undefined, seed);
  for (const init of d.tfjs.seeded ?? []) {
    if (init === 'kernel') config.kernelInitializer = tf.initializers.glorotUniform({ seed });
    else if (init === 'recurrent') config.recurrentInitializer = tf.initializers.orthogonal({ seed: seed + 1 });
    else config.embeddingsInitializer = tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed });
  }
  const factory = (tf.layers as unknown as Record<string, LayerFactory>)[d.tfjs.factory];
  return factory(config);
}

export interface BuildOptions {
  /** The hidden layers (the plan's, every option filled in). */
  layers: LayerSpec[];
  output: OutputPlan;
  inputShape: number[];
  seed: number;
  /** Transfer learning: a trained model whose layers (all but its output layer) come first. */
  base?: LayersModel;
  freeze?: number;
}

export class ModelBuildError extends Error {
  override name = 'ModelBuildError';
}

/** Transfer learning's base: the trained model of the run folder `from` names (relative to the spec). */
export async function loadBaseModel(tf: TF, specPath: string, from: string): Promise<LayersModel> {
  const fromDir = path.resolve(path.dirname(specPath), from);
  try {
    return await loadRunModel(tf, fromDir);
  } catch (err) {
    throw new ModelBuildError(`model.from: cannot load ${fromDir}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/**
 * The network as a functional model: `input` -> [base layers] -> hidden layers -> `output`. Validation
 * has made sure the last hidden layer gives one flat vector per example.
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
      x = buildLayer(tf, spec, name, layerSeed(o.seed, i)).apply(x) as SymbolicTensor;
    } catch (err) {
      throw new ModelBuildError(`model.layers[${i}] (${spec.type}): ${(err as Error).message.split('\n')[0]}`);
    }
  });
  const dense: LayerSpec = { type: 'dense', units: o.output.units, activation: o.output.activation, useBias: true };
  // A sequence task: the same dense softmax at every position.
  const outputLayer: LayerSpec = o.output.layer ?? (o.output.positions !== undefined ? ({ type: 'timeDistributed', layer: dense } as unknown as LayerSpec) : dense);
  const out = buildLayer(tf, outputLayer, 'output', layerSeed(o.seed, 1000)).apply(x) as SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: 'dlmodel' });
  useFastRecurrentLayers(tf, model);
  return model;
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
  const hidden = model.layers.slice(1, -1);
  const i = codeLayerIndex(hidden.map((l) => (l.outputShape as (number | null)[]).slice(1)));
  return i >= 0 ? hidden[i] : undefined;
}

export function layerTypeName(layer: Layer): string {
  const c = layer.getClassName();
  if (c === 'InputLayer') return 'input';
  return own(CLASS_TO_TYPE, c) ?? c.charAt(0).toLowerCase() + c.slice(1);
}

/** The network as the dashboard draws it, taken from the real model (so it includes transferred layers). */
export function summarizeBuiltModel(model: LayersModel, o: { autoencoder?: boolean } = {}): LayerSummary[] {
  const out: LayerSummary[] = [];
  const last = model.layers.length - 1;
  // Only an autoencoder has a code (the dashboard labels it and plots the code space).
  const code = o.autoencoder ? codeLayerOf(model) : undefined;
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
    if (code && layer === code) s.code = true;
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
