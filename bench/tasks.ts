// The benchmark tasks (the recipe shared/recipes/tfjs-backends-offline.md beside the repository), shared by the bench, the
// WebGPU tests and bench/torch_tasks.py (which builds the same networks in PyTorch).
//   A  tabular MLP: 20 features, 3 classes, 50,000 rows, Dense64-relu Dense64-relu Dense3-softmax, batch 256
//   B  MNIST-shaped MLP: 784 inputs, 60,000 rows, Dense128-relu Dense10-softmax, batch 128
//   C  small CNN: 28x28x1, Conv16 3x3 relu, MaxPool2, Conv32 3x3 relu, MaxPool2, Flatten, Dense10, batch 64
//   D  text over characters: 64 characters of 48, Embedding32, LSTM64, Dense4-softmax, 20,000 rows, batch 64
//   E  text over words: 100 words of 10,000, Embedding64, GlobalAveragePooling1D, Dense4-softmax, 50,000 rows, batch 128
//   F  autoencoder: 784 pixels, Dense128-relu Dense32-relu (the code) Dense128-relu Dense784-sigmoid, mean squared
//      error against the input, 60,000 rows, batch 128
// Data are seeded and synthetic, with labels from a fixed random "teacher" so that the loss can fall. Pixels
// are held as bytes (as the trainer holds images) unless asked for as float32; token ids as float32.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { TF } from '../src/engine/tf';
import { copyScaled } from '../src/data/images';
import { mulberry32, shuffleInPlace } from '../src/data/split';
import { makeOptimizer, type OutputPlan } from '../src/engine/model';
import { makeTrainStep } from '../src/engine/step';
import { useFastRecurrentLayers } from '../src/engine/layers/fast-lstm';

export { mulberry32 };

export type TaskId = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
export const TASK_IDS: TaskId[] = ['A', 'B', 'C', 'D', 'E', 'F'];

export interface TaskDef {
  id: TaskId;
  title: string;
  inputShape: number[];
  /** Classes of a classification task; the autoencoder has none (its targets are its inputs). */
  classes: number;
  rows: number;
  batchSize: number;
  /** What the inputs are: centred tabular values, pixels (0..1, bytes when stored compactly), or token ids 1..vocab-1. */
  input: 'tabular' | 'pixels' | 'tokens';
  vocab?: number;
  autoencoder?: boolean;
  build(tf: TF, seed: number): LayersModel;
}

/** The task's network as the trainer builds it: recurrent layers on the fast path where it applies. */
export function buildTask(tf: TF, task: TaskDef, seed: number): LayersModel {
  const model = task.build(tf, seed);
  useFastRecurrentLayers(tf, model);
  return model;
}

export const TASKS: Record<TaskId, TaskDef> = {
  A: {
    id: 'A',
    title: 'tabular MLP 20-64-64-3',
    inputShape: [20],
    classes: 3,
    rows: 50_000,
    batchSize: 256,
    input: 'tabular',
    build: (tf, seed) =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [20], units: 64, activation: 'relu', kernelInitializer: glorot(tf, seed) }),
          tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: glorot(tf, seed + 1) }),
          tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: glorot(tf, seed + 2) }),
        ],
      }),
  },
  B: {
    id: 'B',
    title: 'MNIST-shaped MLP 784-128-10',
    inputShape: [784],
    classes: 10,
    rows: 60_000,
    batchSize: 128,
    input: 'pixels',
    build: (tf, seed) =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [784], units: 128, activation: 'relu', kernelInitializer: glorot(tf, seed) }),
          tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(tf, seed + 1) }),
        ],
      }),
  },
  C: {
    id: 'C',
    title: 'small CNN 28x28x1 conv16-pool-conv32-pool-dense10',
    inputShape: [28, 28, 1],
    classes: 10,
    rows: 60_000,
    batchSize: 64,
    input: 'pixels',
    build: (tf, seed) =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: glorot(tf, seed) }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: glorot(tf, seed + 1) }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(tf, seed + 2) }),
        ],
      }),
  },
  D: {
    id: 'D',
    title: 'text LSTM over characters 64x48-emb32-lstm64-dense4',
    inputShape: [64],
    classes: 4,
    rows: 20_000,
    batchSize: 64,
    input: 'tokens',
    vocab: 48,
    build: (tf, seed) =>
      tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: 48, outputDim: 32, inputLength: 64, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }) }),
          // Gated with the logistic sigmoid, as the product's LSTM layers (Keras 2, PyTorch) are.
          tf.layers.lstm({ units: 64, recurrentActivation: 'sigmoid', kernelInitializer: glorot(tf, seed + 1), recurrentInitializer: glorot(tf, seed + 2) }),
          tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: glorot(tf, seed + 3) }),
        ],
      }),
  },
  E: {
    id: 'E',
    title: 'text over words 100x10000-emb64-average-dense4',
    inputShape: [100],
    classes: 4,
    rows: 50_000,
    batchSize: 128,
    input: 'tokens',
    vocab: 10_000,
    build: (tf, seed) =>
      tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: 10_000, outputDim: 64, inputLength: 100, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }) }),
          tf.layers.globalAveragePooling1d(),
          tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: glorot(tf, seed + 1) }),
        ],
      }),
  },
  F: {
    id: 'F',
    title: 'autoencoder 784-128-32-128-784',
    inputShape: [784],
    classes: 0,
    rows: 60_000,
    batchSize: 128,
    input: 'pixels',
    autoencoder: true,
    build: (tf, seed) =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [784], units: 128, activation: 'relu', kernelInitializer: glorot(tf, seed) }),
          tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: glorot(tf, seed + 1) }),
          tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: glorot(tf, seed + 2) }),
          tf.layers.dense({ units: 784, activation: 'sigmoid', kernelInitializer: glorot(tf, seed + 3) }),
        ],
      }),
  },
};

/** The width of one target row: one-hot classes, or the input itself for the autoencoder. */
export function targetWidth(task: TaskDef): number {
  return task.autoencoder ? task.inputShape.reduce((a, b) => a * b, 1) : task.classes;
}

/** The output, loss and targets the trainer would plan for the task. */
export function taskPlan(task: TaskDef): OutputPlan {
  return task.autoencoder
    ? { units: targetWidth(task), activation: 'sigmoid', loss: 'meanSquaredError', targetMode: 'values' }
    : { units: task.classes, activation: 'softmax', loss: 'categoricalCrossentropy', targetMode: 'onehot' };
}

function glorot(tf: TF, seed: number) {
  return tf.initializers.glorotUniform({ seed });
}

export interface TaskData {
  /** rows x features, row-major; as bytes (pixels 0..255, scaled to 0..1 per batch) when stored compactly. */
  x: Float32Array | Uint8Array;
  /** Class index per row (all 0 for the autoencoder). */
  y: Int32Array;
  rows: number;
  features: number;
}

/**
 * `rows` seeded samples: inputs uniform in [0, 1) (pixels), centred (tabular) or token ids uniform in
 * 1..vocab-1; the class is the argmax of a fixed random linear map of the input (of a fixed random vector
 * per token, summed, for text), so the task is learnable. Pixels are bytes unless `storage` is float32.
 */
export function makeData(task: TaskDef, rows: number, seed = 1, storage: 'float32' | 'uint8' = 'uint8'): TaskData {
  const features = task.inputShape.reduce((a, b) => a * b, 1);
  const r = mulberry32(seed * 7919 + task.id.charCodeAt(0));
  const classes = Math.max(1, task.classes);
  const tokens = task.input === 'tokens';
  const teacher = new Float32Array((tokens ? (task.vocab as number) : features) * classes);
  for (let i = 0; i < teacher.length; i++) teacher[i] = r() * 2 - 1;
  const bytes = storage === 'uint8' && task.input === 'pixels';
  const x = bytes ? new Uint8Array(rows * features) : new Float32Array(rows * features);
  const y = new Int32Array(rows);
  const centred = task.input === 'tabular';
  const scores = new Float64Array(classes);
  for (let n = 0; n < rows; n++) {
    scores.fill(0);
    const base = n * features;
    if (tokens) {
      const vocab = task.vocab as number;
      for (let f = 0; f < features; f++) {
        const id = 1 + Math.floor(r() * (vocab - 1));
        x[base + f] = id;
        for (let k = 0; k < classes; k++) scores[k] += teacher[id * classes + k];
      }
      let best = 0;
      for (let k = 1; k < classes; k++) if (scores[k] > scores[best]) best = k;
      y[n] = best;
      continue;
    }
    for (let f = 0; f < features; f++) {
      let v = centred ? r() * 2 - 1 : r();
      if (bytes) {
        x[base + f] = Math.round(v * 255);
        v = x[base + f] / 255;
      } else {
        x[base + f] = v;
      }
      const t = f * classes;
      for (let k = 0; k < classes; k++) scores[k] += v * teacher[t + k];
    }
    let best = 0;
    for (let k = 1; k < classes; k++) if (scores[k] > scores[best]) best = k;
    y[n] = task.autoencoder ? 0 : best;
  }
  return { x, y, rows, features };
}

/**
 * Copies the rows `order[from..to)` into batch buffers (what the trainer feeding from memory does, with the
 * trainer's own row copy: bytes scaled to 0..1 on the way). Targets: one-hot classes, or the inputs
 * themselves (autoencoder).
 */
export function fillBatch(task: TaskDef, data: TaskData, order: Int32Array, from: number, to: number, xb: Float32Array, yb: Float32Array): void {
  const f = data.features;
  const width = targetWidth(task);
  if (!task.autoencoder) yb.fill(0, 0, (to - from) * width);
  for (let i = from; i < to; i++) {
    const row = order[i];
    copyScaled(data.x, row * f, f, xb, (i - from) * f);
    if (task.autoencoder) yb.set(xb.subarray((i - from) * f, (i - from + 1) * f), (i - from) * f);
    else yb[(i - from) * width + data.y[row]] = 1;
  }
}

/** A seeded permutation of 0..n-1. */
export function shuffled(n: number, seed: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  shuffleInPlace(p, mulberry32(seed));
  return p;
}

export interface StepResult {
  losses: number[];
  /** Wall time of each step, ms. */
  stepMs: number[];
}

/**
 * Trains `steps` batches with Adam 1e-3 the way the product's trainer does: one batch at a time from memory,
 * the trainer's own training step (src/engine/step), the loss read back (a sync point) every step. Never
 * reads synchronously (WebGPU).
 */
export async function trainSteps(
  tf: TF,
  model: LayersModel,
  task: TaskDef,
  data: TaskData,
  steps: number,
  opts: { seed?: number; batchSize?: number; onStep?: (i: number, loss: number) => void; stop?: (done: number) => boolean } = {},
): Promise<StepResult> {
  const bs = opts.batchSize ?? task.batchSize;
  const f = data.features;
  const xb = new Float32Array(bs * f);
  const yb = new Float32Array(bs * targetWidth(task));
  let order = shuffled(data.rows, opts.seed ?? 1);
  let pos = 0;
  let epoch = 0;
  const losses: number[] = [];
  const stepMs: number[] = [];
  const plan = taskPlan(task);
  const step = makeTrainStep(tf, model, { plan, metrics: [], inputShape: task.inputShape });
  for (let s = 0; s < steps && !opts.stop?.(s); s++) {
    if (pos + bs > data.rows) {
      epoch++;
      order = shuffled(data.rows, (opts.seed ?? 1) + epoch);
      pos = 0;
    }
    const t0 = performance.now();
    fillBatch(task, data, order, pos, pos + bs, xb, yb);
    pos += bs;
    const [loss] = await step.train({ xs: xb, ys: yb, b: bs });
    if (!Number.isFinite(loss)) throw new Error(`task ${task.id}: loss is ${loss} at step ${s}`);
    losses.push(loss);
    stepMs.push(performance.now() - t0);
    opts.onStep?.(s, loss);
  }
  return { losses, stepMs };
}

export function compileForBench(tf: TF, model: LayersModel, task: TaskDef): void {
  // The engine's optimizer (fused Adam on wasm), as a training run uses it.
  model.compile({ optimizer: makeOptimizer(tf, { type: 'adam', learningRate: 1e-3 }), loss: task.autoencoder ? 'meanSquaredError' : 'categoricalCrossentropy' });
}
