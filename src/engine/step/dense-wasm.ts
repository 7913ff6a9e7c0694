// A training step for networks made of dense layers (and flatten, dropout), on the wasm backend, without the
// autograd tape.
// tfjs-layers' trainOnBatch spends most of a small network's step in bookkeeping: ~80 kernel calls each
// recorded on the tape, then the tape walked backwards. Here the forward pass, the loss, its gradient and
// the backward pass are written out for Dense (matrix products by wasm's XNNPACK kernels, called directly;
// transposes and the relu gradient by the SIMD loops of ../wasm-simd.ts; other element-wise work in
// JavaScript loops over the wasm heap), and the gradients go to the compiled
// optimizer's applyGradients as trainOnBatch would hand them (same names, same order). The math follows
// tfjs-layers' own losses and metrics, clipping included, so both paths train the same network
// (test/unit/engine/dense-step.test.ts holds them to each other).
import type { NamedTensorMap, Tensor, TensorInfo, Variable } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { MetricName } from '../../format/types';
import type { OutputPlan } from '../model';
import type { TF } from '../tf';
import { simdKernels, type WasmMemory } from '../wasm-simd';
import type { Batch, TrainStep } from './types';

/** The wasm backend's own methods used here (public on its class, absent from KernelBackend). */
interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  disposeData(dataId: object, force?: boolean): boolean;
  getMemoryOffset?(dataId: object): number;
  /** The single-threaded build exports its memory; the threaded one imports a shared memory (wasmMemory). */
  wasm?: { asm?: { memory?: WasmMemory }; wasmMemory?: WasmMemory };
}

/** What tfjs-layers' Dense and LayerVariable offer at run time (their TypeScript types keep them private). */
interface WeightVar {
  read(): Variable;
  readonly shape: readonly (number | null)[];
}
interface DenseLike {
  kernel: WeightVar;
  bias: WeightVar | null;
  activation: { getClassName(): string };
  kernelRegularizer?: unknown;
  biasRegularizer?: unknown;
  activityRegularizer?: unknown;
  kernelConstraint?: unknown;
  biasConstraint?: unknown;
}

type Hidden = 'linear' | 'relu' | 'sigmoid' | 'tanh';
type Head = 'softmax-cce' | 'sigmoid-bce' | 'linear-mse' | 'sigmoid-mse';
type Metric = 'binaryAccuracy' | 'categoricalAccuracy' | 'mae' | 'mse';

interface DenseLayer {
  kind: 'dense';
  kernel: WeightVar;
  bias: WeightVar | null;
  act: Hidden | 'softmax';
  units: number;
  inputs: number;
}
/** Keras dropout: while training, each value is kept with probability 1 - rate and scaled by 1 / (1 - rate). */
interface DropoutLayer {
  kind: 'dropout';
  rate: number;
}
type Op = DenseLayer | DropoutLayer;

// Keyed by tfjs-layers' activation class names.
const ACTIVATIONS: Record<string, Hidden | 'softmax'> = { linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax' };

// tfjs-layers clips probabilities to [epsilon, 1 - epsilon] in float32 (the backend's epsilon, 1e-7).
const LO = Math.fround(1e-7);
const HI = Math.fround(1 - 1e-7);

/** The dense step for `model`, or why it does not apply (then tfjs-layers trains it). */
export function denseWasmStep(tf: TF, model: LayersModel, plan: OutputPlan, metricNames: readonly MetricName[]): TrainStep | string {
  if (tf.getBackend() !== 'wasm') return `the backend is ${tf.getBackend()}, not wasm`;
  const backend = tf.engine().backend as unknown as Partial<WasmBackend>;
  if (typeof backend.makeOutput !== 'function' || typeof backend.typedArrayFromHeap !== 'function' || typeof backend.disposeData !== 'function') {
    return 'this wasm backend does not expose its heap';
  }
  const matMul = tf.getKernel('_FusedMatMul', 'wasm')?.kernelFunc;
  const transpose = tf.getKernel('Transpose', 'wasm')?.kernelFunc;
  if (!matMul || !transpose) return 'the wasm backend lacks _FusedMatMul or Transpose';
  if (!model.optimizer) return 'the model is not compiled';

  const chain = denseChain(model);
  if (typeof chain === 'string') return chain;
  const ops: Op[] = chain;
  const layers = ops.filter((o): o is DenseLayer => o.kind === 'dense');
  const last = ops[ops.length - 1];
  if (last.kind !== 'dense') return 'the model does not end with a dense layer';
  const found = headOf(plan, last.act);
  if (!isHead(found)) return found;
  const head: Head = found;
  if (layers.slice(0, -1).some((l) => l.act === 'softmax')) return 'a hidden layer uses softmax';
  const metrics: Metric[] = [];
  for (const m of metricNames) {
    if (m === 'accuracy') metrics.push(last.units === 1 || plan.loss === 'binaryCrossentropy' ? 'binaryAccuracy' : 'categoricalAccuracy');
    else if (m === 'mae' || m === 'mse') metrics.push(m);
    else return `the metric ${m} is computed by tfjs-layers`;
  }
  const order = ((model as unknown as { collectedTrainableWeights?: WeightVar[] }).collectedTrainableWeights ?? model.trainableWeights) as unknown as WeightVar[];
  const ours = new Set<WeightVar>(layers.flatMap((l) => (l.bias ? [l.kernel, l.bias] : [l.kernel])));
  if (order.length !== ours.size || order.some((v) => !ours.has(v))) return 'some trainable weights are not those of the dense layers';

  const be = backend as WasmBackend;
  const optimizer = model.optimizer;
  // The relu gradient and the transposes four values at a time where WebAssembly SIMD runs (the relu gradient
  // was a tenth of task A's step in JavaScript; tfjs's Transpose kernel goes value by value).
  const memory = be.wasm?.wasmMemory ?? be.wasm?.asm?.memory;
  const simd = memory && be.getMemoryOffset ? simdKernels(memory) : undefined;
  const reluGrad = simd?.reluGrad;
  const offset = (t: TensorInfo) => (be.getMemoryOffset as (id: object) => number)(t.dataId);
  const inputs = layers[0].inputs;
  const units = last.units;

  function run(batch: Batch, learn: boolean): number[] {
    const { b } = batch;
    if (batch.xs.length !== b * inputs || batch.ys.length !== b * units) {
      throw new Error(`dense step: a batch of ${b} rows has ${batch.xs.length} inputs and ${batch.ys.length} targets, expected ${b * inputs} and ${b * units}`);
    }
    const owned: TensorInfo[] = [];
    const view = (t: TensorInfo) => be.typedArrayFromHeap(t);
    const alloc = (shape: number[]) => {
      const t = be.makeOutput(shape, 'float32');
      owned.push(t);
      return t;
    };
    // a [rows, inner] x w [inner, cols] (+ bias, relu) on XNNPACK's fast path (no transposed operand).
    const mm = (a: TensorInfo, rows: number, inner: number, w: TensorInfo, cols: number, bias?: TensorInfo, relu = false) => {
      const out = matMul({
        inputs: { a: { dataId: a.dataId, shape: [1, rows, inner], dtype: 'float32' }, b: { dataId: w.dataId, shape: [1, inner, cols], dtype: 'float32' }, ...(bias ? { bias } : {}) },
        backend: be as never,
        attrs: { transposeA: false, transposeB: false, activation: relu ? 'relu' : 'linear', leakyreluAlpha: 0 },
      }) as TensorInfo;
      owned.push(out);
      return out;
    };
    const tr = (x: TensorInfo, rows: number, cols: number) => {
      if (simd && rows % 4 === 0 && cols % 4 === 0) {
        const t = alloc([cols, rows]);
        simd.transpose(offset(x), offset(t), rows, cols);
        return t;
      }
      const out = transpose({ inputs: { x: { dataId: x.dataId, shape: [rows, cols], dtype: 'float32' } }, backend: be as never, attrs: { perm: [1, 0] } }) as TensorInfo;
      owned.push(out);
      return out;
    };
    const grads: Tensor[] = [];
    try {
      const x = alloc([b, inputs]);
      view(x).set(batch.xs);
      // outs[i]: the output of ops[i]; masks[i]: the dropout multipliers drawn for ops[i] in this step.
      const outs: TensorInfo[] = [];
      const masks: (Float32Array | undefined)[] = [];
      const weights = ops.map((o) => (o.kind === 'dense' ? { w: o.kernel.read(), bias: o.bias?.read() } : undefined));
      let cur = x;
      let width = inputs;
      ops.forEach((o, i) => {
        if (o.kind === 'dense') {
          const wb = weights[i] as { w: Variable; bias?: Variable };
          cur = mm(cur, b, o.inputs, wb.w, o.units, wb.bias, o.act === 'relu');
          if (o.act !== 'relu' && o.act !== 'linear') activate(view(cur), o.act, o.units);
          width = o.units;
        } else if (learn && o.rate > 0 && o.rate < 1) {
          const dropped = alloc([b, width]);
          const mask = dropoutMask(b * width, o.rate);
          const src = view(cur);
          const dst = view(dropped);
          for (let k = 0; k < mask.length; k++) dst[k] = src[k] * mask[k];
          masks[i] = mask;
          cur = dropped;
        }
        outs.push(cur);
      });

      const dz = learn ? alloc([b, units]) : undefined;
      const values = lossAndMetrics(head, metrics, view(cur), batch.ys, b, units, dz && view(dz));
      if (!learn || !dz) return values;

      // Backwards: `g` is the gradient with respect to an op's output (`pre`: to the last dense layer's
      // pre-activation, which the loss head already folded in).
      const byVar = new Map<WeightVar, TensorInfo>();
      const firstDense = ops.findIndex((o) => o.kind === 'dense');
      let g = dz;
      let pre = true;
      for (let i = ops.length - 1; i >= firstDense; i--) {
        const o = ops[i];
        if (o.kind === 'dropout') {
          const mask = masks[i];
          if (mask) {
            const gv = view(g);
            for (let k = 0; k < mask.length; k++) gv[k] *= mask[k];
          }
          continue;
        }
        if (!pre) {
          if (o.act === 'relu' && reluGrad) {
            const n = b * o.units;
            const n4 = n - (n % 4);
            reluGrad(offset(g), offset(outs[i]), n4);
            if (n4 < n) derive(view(g).subarray(n4), view(outs[i]).subarray(n4), 'relu');
          } else derive(view(g), view(outs[i]), o.act as Hidden);
        }
        const input = i === 0 ? x : outs[i - 1];
        const inputT = tr(input, b, o.inputs);
        byVar.set(o.kernel, mm(inputT, o.inputs, b, g, o.units));
        if (o.bias) {
          const db = alloc([o.units]);
          columnSums(view(g), b, o.units, view(db));
          byVar.set(o.bias, db);
        }
        if (i > firstDense) {
          const wT = tr((weights[i] as { w: Variable }).w, o.inputs, o.units);
          g = mm(g, b, o.units, wT, o.inputs);
          pre = false;
        }
      }
      // The gradients become tensors (the engine then owns their buffers), named and ordered as trainOnBatch does.
      const named: NamedTensorMap = {};
      for (const v of order) {
        const g = byVar.get(v) as TensorInfo;
        owned.splice(owned.indexOf(g), 1);
        const t = tf.engine().makeTensorFromTensorInfo({ dataId: g.dataId, shape: v.shape as number[], dtype: 'float32' }) as Tensor;
        grads.push(t);
        named[v.read().name] = t;
      }
      optimizer.applyGradients(named);
      return values;
    } finally {
      for (const t of owned) be.disposeData(t.dataId);
      for (const g of grads) g.dispose();
    }
  }

  return {
    kind: 'dense-wasm',
    train: async (batch) => run(batch, true),
    evaluate: async (batch) => run(batch, false),
  };
}

/** The model's layers as a chain input -> (flatten | dropout | dense)*, with dense layers this step knows, or why not. */
function denseChain(model: LayersModel): Op[] | string {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return 'the model has several inputs or outputs';
  const out: Op[] = [];
  let width = (model.inputs[0].shape.slice(1) as number[]).reduce((a, d) => a * d, 1);
  for (let i = 0; i < model.layers.length; i++) {
    const layer = model.layers[i];
    const cls = layer.getClassName();
    if (i === 0 && cls === 'InputLayer') continue;
    // A Sequential model lists no InputLayer: its first layer is fed by the model's input layer.
    const before = i === 0 ? (model as unknown as { inputLayers: unknown[] }).inputLayers[0] : model.layers[i - 1];
    const inbound = (layer as unknown as { inboundNodes: { inboundLayers: unknown[] }[] }).inboundNodes;
    if (inbound.length !== 1 || inbound[0].inboundLayers.length !== 1 || inbound[0].inboundLayers[0] !== before) {
      return `layer ${layer.name} is not fed by the layer before it`;
    }
    if (cls === 'Flatten') continue; // row-major: flattening moves no value
    if (cls === 'Dropout') {
      const d = layer as unknown as { rate: number; noiseShape?: unknown };
      if (d.noiseShape != null) return `dropout layer ${layer.name} has a noise shape`;
      out.push({ kind: 'dropout', rate: d.rate });
      continue;
    }
    if (cls !== 'Dense') return `the model has a ${cls} layer (${layer.name})`;
    const d = layer as unknown as DenseLike;
    const inShape = (layer.input as unknown as { shape: readonly (number | null)[] }).shape;
    if (inShape.length !== 2) return `dense layer ${layer.name} takes inputs of rank ${inShape.length}`;
    if (d.kernelRegularizer || d.biasRegularizer || d.activityRegularizer || d.kernelConstraint || d.biasConstraint) {
      return `dense layer ${layer.name} has a regularizer or constraint`;
    }
    if (!layer.trainable) return `layer ${layer.name} is frozen`;
    const act = ACTIVATIONS[d.activation.getClassName()];
    if (!act) return `layer ${layer.name} uses the ${d.activation.getClassName()} activation`;
    const [inputs, units] = d.kernel.shape as number[];
    if (inputs !== width) return `dense layer ${layer.name} takes ${inputs} inputs after a layer giving ${width}`;
    out.push({ kind: 'dense', kernel: d.kernel, bias: d.bias, act, units, inputs });
    width = units;
  }
  if (!out.some((o) => o.kind === 'dense')) return 'the model has no dense layer';
  return out;
}

function isHead(h: string): h is Head {
  return h === 'softmax-cce' || h === 'sigmoid-bce' || h === 'linear-mse' || h === 'sigmoid-mse';
}

function headOf(plan: OutputPlan, act: DenseLayer['act']): Head | string {
  if (plan.loss === 'categoricalCrossentropy' && act === 'softmax' && plan.targetMode === 'onehot') return 'softmax-cce';
  if (plan.loss === 'binaryCrossentropy' && act === 'sigmoid' && plan.targetMode === 'binary') return 'sigmoid-bce';
  if (plan.loss === 'meanSquaredError' && act === 'linear' && (plan.targetMode === 'values' || plan.targetMode === 'input')) return 'linear-mse';
  // An autoencoder of inputs scaled to 0..1 (images): sigmoid outputs, mean squared error.
  if (plan.loss === 'meanSquaredError' && act === 'sigmoid' && (plan.targetMode === 'values' || plan.targetMode === 'input')) return 'sigmoid-mse';
  return `the output (${act}, ${plan.loss}, ${plan.targetMode} targets) is trained by tfjs-layers`;
}

function activate(v: Float32Array, act: 'sigmoid' | 'tanh' | 'softmax', width: number): void {
  if (act === 'sigmoid') {
    for (let i = 0; i < v.length; i++) v[i] = 1 / (1 + Math.exp(-v[i]));
  } else if (act === 'tanh') {
    for (let i = 0; i < v.length; i++) v[i] = Math.tanh(v[i]);
  } else {
    for (let r = 0; r < v.length; r += width) {
      let max = -Infinity;
      for (let j = 0; j < width; j++) max = Math.max(max, v[r + j]);
      let sum = 0;
      for (let j = 0; j < width; j++) sum += v[r + j] = Math.exp(v[r + j] - max);
      for (let j = 0; j < width; j++) v[r + j] /= sum;
    }
  }
}

/** da *= f'(z), from the layer's output a = f(z) (as tfjs's gradients of these activations do). */
function derive(da: Float32Array, a: Float32Array, act: Hidden): void {
  switch (act) {
    case 'linear':
      return;
    case 'relu':
      // Branch-free: the mask is random from step to step, and a mispredicted branch per value doubles the time.
      for (let i = 0; i < da.length; i++) da[i] = (((a[i] > 0) as unknown as number) | 0) * da[i];
      return;
    case 'sigmoid':
      for (let i = 0; i < da.length; i++) da[i] *= a[i] * (1 - a[i]);
      return;
    case 'tanh':
      for (let i = 0; i < da.length; i++) da[i] *= 1 - a[i] * a[i];
      return;
  }
}

/** Multipliers 0 or 1 / (1 - rate), from Math.random (which the trainer seeds), as tf.dropout draws them. */
function dropoutMask(n: number, rate: number): Float32Array {
  const keep = 1 - rate;
  const mask = new Float32Array(n);
  for (let k = 0; k < n; k++) mask[k] = Math.floor(Math.random() + keep) / keep;
  return mask;
}

function columnSums(m: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const acc = new Float64Array(cols);
  for (let r = 0, k = 0; r < rows; r++) for (let j = 0; j < cols; j++, k++) acc[j] += m[k];
  out.set(acc);
}

/**
 * [loss, ...metrics] averaged over the batch, as tfjs-layers computes them; when `dz` is given, also the
 * gradient of the mean loss with respect to the output layer's pre-activation (clipping included).
 */
function lossAndMetrics(head: Head, metrics: Metric[], p: Float32Array, y: Float32Array, b: number, k: number, dz?: Float32Array): number[] {
  let loss = 0;
  const sums = new Float64Array(metrics.length);
  const gq = new Float64Array(k);
  for (let r = 0; r < b; r++) {
    const o = r * k;
    if (head === 'softmax-cce') {
      // q = p / sum(p), c = clip(q), loss = -sum(y log c); back through the clip, the normalization, the softmax.
      let s = 0;
      for (let j = 0; j < k; j++) s += p[o + j];
      let gqp = 0;
      for (let j = 0; j < k; j++) {
        const q = Math.fround(p[o + j] / s);
        const c = Math.min(Math.max(q, LO), HI);
        if (y[o + j] !== 0) loss -= y[o + j] * Math.log(c);
        gq[j] = q >= LO && q <= HI ? -y[o + j] / c : 0;
        gqp += gq[j] * p[o + j];
      }
      if (dz) {
        let gpp = 0;
        for (let j = 0; j < k; j++) {
          gq[j] = gq[j] / s - gqp / (s * s); // now d loss / d p
          gpp += gq[j] * p[o + j];
        }
        for (let j = 0; j < k; j++) dz[o + j] = (p[o + j] * (gq[j] - gpp)) / b;
      }
    } else if (head === 'sigmoid-bce') {
      // l = log(c / (1 - c)) with c = clip(p); loss = mean(relu(l) - l y + log1p(exp(-|l|))).
      for (let j = 0; j < k; j++) {
        const pj = p[o + j];
        const yj = y[o + j];
        const c = Math.min(Math.max(pj, LO), HI);
        const l = Math.log(c / (1 - c));
        loss += (Math.max(l, 0) - l * yj + Math.log1p(Math.exp(-Math.abs(l)))) / k;
        if (dz) {
          const gl = l === 0 ? -yj : c - yj;
          dz[o + j] = pj >= LO && pj <= HI ? (gl / (c * (1 - c))) * pj * (1 - pj) / (k * b) : 0;
        }
      }
    } else {
      // Mean squared error of the outputs; through the sigmoid, d p / d z = p (1 - p).
      const sig = head === 'sigmoid-mse';
      for (let j = 0; j < k; j++) {
        const pj = p[o + j];
        const e = pj - y[o + j];
        loss += (e * e) / k;
        if (dz) dz[o + j] = ((2 * e) / (k * b)) * (sig ? pj * (1 - pj) : 1);
      }
    }
    metrics.forEach((m, i) => (sums[i] += metricOf(m, p, y, o, k)));
  }
  return [loss / b, ...Array.from(sums, (s) => s / b)];
}

function metricOf(m: Metric, p: Float32Array, y: Float32Array, o: number, k: number): number {
  let v = 0;
  switch (m) {
    case 'binaryAccuracy':
      for (let j = 0; j < k; j++) v += y[o + j] === (p[o + j] > 0.5 ? 1 : 0) ? 1 : 0;
      return v / k;
    case 'categoricalAccuracy':
      return argMax(y, o, k) === argMax(p, o, k) ? 1 : 0;
    case 'mae':
      for (let j = 0; j < k; j++) v += Math.abs(p[o + j] - y[o + j]);
      return v / k;
    case 'mse':
      for (let j = 0; j < k; j++) v += (p[o + j] - y[o + j]) ** 2;
      return v / k;
  }
}

function argMax(a: Float32Array, o: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (a[o + j] > a[o + best]) best = j;
  return best;
}
