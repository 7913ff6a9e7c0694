// The three benchmark tasks (the recipe shared/recipes/tfjs-backends-offline.md beside the repository), shared by the bench, the
// WebGPU tests and bench/torch_tasks.py (which builds the same networks in PyTorch).
//   A  tabular MLP: 20 features, 3 classes, 50,000 rows, Dense64-relu Dense64-relu Dense3-softmax, batch 256
//   B  MNIST-shaped MLP: 784 inputs, 60,000 rows, Dense128-relu Dense10-softmax, batch 128
//   C  small CNN: 28x28x1, Conv16 3x3 relu, MaxPool2, Conv32 3x3 relu, MaxPool2, Flatten, Dense10, batch 64
//   D  text: 20 characters (ids of 40), Embedding16, LSTM64, Dense5-softmax, batch 64
// Data are seeded and synthetic, with labels from a fixed random "teacher" so that the loss can fall.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { TF } from '../src/engine/tf';
import { mulberry32, shuffleInPlace } from '../src/data/split';
import { makeOptimizer, type OutputPlan } from '../src/engine/model';
import { makeTrainStep } from '../src/engine/step';
import { useFastRecurrentLayers } from '../src/engine/layers/fast-lstm';

export { mulberry32 };

export type TaskId = 'A' | 'B' | 'C' | 'D';

/** Task D: characters per text and distinct characters. */
export const TEXT_LENGTH = 20;
export const TEXT_IDS = 40;

export interface TaskDef {
  id: TaskId;
  title: string;
  inputShape: number[];
  classes: number;
  rows: number;
  batchSize: number;
  build(tf: TF, seed: number): LayersModel;
}

export const TASKS: Record<TaskId, TaskDef> = {
  A: {
    id: 'A',
    title: 'tabular MLP 20-64-64-3',
    inputShape: [20],
    classes: 3,
    rows: 50_000,
    batchSize: 256,
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
    title: 'character LSTM 20 ids-embed16-lstm64-5',
    inputShape: [TEXT_LENGTH],
    classes: 5,
    rows: 50_000,
    batchSize: 64,
    build: (tf, seed) => {
      const model = tf.sequential({
        layers: [
          tf.layers.embedding({ inputShape: [TEXT_LENGTH], inputDim: TEXT_IDS, outputDim: 16, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }) }),
          tf.layers.lstm({ units: 64, recurrentActivation: 'sigmoid', kernelInitializer: glorot(tf, seed + 1), recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 2 }) }),
          tf.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: glorot(tf, seed + 3) }),
        ],
      });
      // As the trainer builds it: LSTMs on the one-op path on wasm and cpu.
      useFastRecurrentLayers(tf, model);
      return model;
    },
  },
};

function glorot(tf: TF, seed: number) {
  return tf.initializers.glorotUniform({ seed });
}

export interface TaskData {
  /** rows x features, row-major; as bytes (pixels 0..255, scaled to 0..1 per batch) when stored compactly. */
  x: Float32Array | Uint8Array;
  /** Class index per row. */
  y: Int32Array;
  rows: number;
  features: number;
}

/**
 * `rows` seeded samples: inputs uniform in [0, 1) (pixels) or centred (tabular), the class is the argmax of
 * a fixed random linear map of the input, so the task is learnable.
 */
export function makeData(task: TaskDef, rows: number, seed = 1, storage: 'float32' | 'uint8' = 'float32'): TaskData {
  const features = task.inputShape.reduce((a, b) => a * b, 1);
  const r = mulberry32(seed * 7919 + task.id.charCodeAt(0));
  const teacher = new Float32Array(features * task.classes);
  for (let i = 0; i < teacher.length; i++) teacher[i] = r() * 2 - 1;
  const bytes = storage === 'uint8' && task.id !== 'A';
  const x = bytes ? new Uint8Array(rows * features) : new Float32Array(rows * features);
  const y = new Int32Array(rows);
  const centred = task.id === 'A';
  // Text: token ids; the class comes from the teacher's score of each id, summed over the text.
  const text = task.id === 'D';
  const scores = new Float64Array(task.classes);
  for (let n = 0; n < rows; n++) {
    scores.fill(0);
    const base = n * features;
    for (let f = 0; f < features; f++) {
      let v = centred ? r() * 2 - 1 : r();
      if (text) {
        const id = Math.floor(v * TEXT_IDS);
        x[base + f] = id;
        for (let k = 0; k < task.classes; k++) scores[k] += teacher[(id % features) * task.classes + k];
        continue;
      }
      if (bytes) {
        x[base + f] = Math.round(v * 255);
        v = x[base + f] / 255;
      } else {
        x[base + f] = v;
      }
      const t = f * task.classes;
      for (let k = 0; k < task.classes; k++) scores[k] += v * teacher[t + k];
    }
    let best = 0;
    for (let k = 1; k < task.classes; k++) if (scores[k] > scores[best]) best = k;
    y[n] = best;
  }
  return { x, y, rows, features };
}

/** Copies the rows `order[from..to)` into batch buffers (what a trainer feeding from memory does). */
export function fillBatch(
  data: TaskData,
  classes: number,
  order: Int32Array,
  from: number,
  to: number,
  xb: Float32Array,
  yb: Float32Array,
): void {
  const f = data.features;
  yb.fill(0, 0, (to - from) * classes);
  for (let i = from; i < to; i++) {
    const row = order[i];
    if (data.x instanceof Uint8Array) {
      const src = row * f;
      const dst = (i - from) * f;
      for (let j = 0; j < f; j++) xb[dst + j] = data.x[src + j] / 255;
    } else {
      xb.set(data.x.subarray(row * f, row * f + f), (i - from) * f);
    }
    yb[(i - from) * classes + data.y[row]] = 1;
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
  const yb = new Float32Array(bs * task.classes);
  let order = shuffled(data.rows, opts.seed ?? 1);
  let pos = 0;
  let epoch = 0;
  const losses: number[] = [];
  const stepMs: number[] = [];
  const plan: OutputPlan = { units: task.classes, activation: 'softmax', loss: 'categoricalCrossentropy', targetMode: 'onehot' };
  const step = makeTrainStep(tf, model, { plan, metrics: [], inputShape: task.inputShape });
  for (let s = 0; s < steps && !opts.stop?.(s); s++) {
    if (pos + bs > data.rows) {
      epoch++;
      order = shuffled(data.rows, (opts.seed ?? 1) + epoch);
      pos = 0;
    }
    const t0 = performance.now();
    fillBatch(data, task.classes, order, pos, pos + bs, xb, yb);
    pos += bs;
    const [loss] = await step.train({ xs: xb, ys: yb, b: bs });
    if (!Number.isFinite(loss)) throw new Error(`task ${task.id}: loss is ${loss} at step ${s}`);
    losses.push(loss);
    stepMs.push(performance.now() - t0);
    opts.onStep?.(s, loss);
  }
  return { losses, stepMs };
}

export function compileForBench(tf: TF, model: LayersModel): void {
  // The engine's optimizer (fused Adam on wasm), as a training run uses it.
  model.compile({ optimizer: makeOptimizer(tf, { type: 'adam', learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
}
