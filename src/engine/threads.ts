// How many threads a network is worth. XNNPACK splits every matrix product and convolution across its thread
// pool, and waking the pool costs about as much as a small product: a network whose largest product is a
// few hundred thousand multiply-adds per batch trains slower on two threads than on one (bench task A: 20-64-64-3
// at batch 256, about half the speed), while 784-128 at batch 128 gains. When the thread count is the default
// (not the user's), the trainer weighs the network's products and, when most of its multiply-adds are in
// products below LARGE_OP, drops the wasm backend's pool to one thread; the reason goes into run.json.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { BackendReport } from '../protocol/trainer';
import type { TF } from './tf';

/** Multiply-adds of the largest single product of a batch below which several threads do not pay. */
export const LARGE_OP = 4_000_000;

/** Input values of a training set below which an epoch is too short for threads to matter. */
export const SMALL_DATA = 1_000_000;

/**
 * Why the machine has no core to spare, or undefined. XNNPACK's workers wait for each other at every
 * product: when a worker is not scheduled, every thread waits for it. On a machine whose cores are already
 * busy (load average at least cores - 1), two threads measured 2-5x slower than one.
 */
export function busyMachine(cores: number, load1: number): string | undefined {
  return cores - load1 < 1 ? `the machine is busy (load average ${load1.toFixed(1)} on ${cores} cores)` : undefined;
}

/**
 * Why a training set is too small to start a thread pool for (its workers take a few tenths of a second
 * to start, longer than a whole small training), or undefined.
 */
export function smallData(rows: number, inputSize: number): string | undefined {
  const values = rows * inputSize;
  return values < SMALL_DATA ? `a small data set (${values.toLocaleString('en-US')} input values): no thread pool to start` : undefined;
}

interface LayerLike {
  name: string;
  trainableWeights: { originalName: string; shape: (number | null)[] }[];
  inputSpec?: unknown;
  input: unknown;
  output: unknown;
  getClassName(): string;
}

const shapeOf = (t: unknown): (number | null)[] => {
  const s = (Array.isArray(t) ? t[0] : t) as { shape?: (number | null)[] } | undefined;
  return s?.shape ?? [];
};
const prod = (xs: readonly (number | null)[]) => xs.reduce<number>((a, d) => a * (d ?? 1), 1);

/** A network's forward multiply-adds for one batch, by the size of the products they are in. */
export interface ProductWork {
  /** The largest single product. */
  largest: number;
  /** In products of at least LARGE_OP multiply-adds (those worth splitting across threads). */
  large: number;
  /** In smaller products. */
  small: number;
  /** The most time steps a recurrent layer runs one after another (0 without one), and the size of each step's product. */
  steps: number;
  stepProduct: number;
}

/**
 * Where a batch's multiply-adds are in `model` (forward; the backward pass repeats each product's shape
 * twice, so the shares hold for the whole step). A kernel's product covers every position it is applied at
 * (output pixels of a convolution, time steps of a dense or LSTM input kernel: one product over all of
 * them); a recurrent kernel's product runs once per time step, each on the previous step's output, so a
 * 64-step LSTM of 64 units is 64 products of 64 x 64 by 64 x 256, each too small to split.
 */
export function productWork(model: LayersModel, batch: number): ProductWork {
  const work: ProductWork = { largest: 0, large: 0, small: 0, steps: 0, stepProduct: 0 };
  const add = (ops: number, times: number) => {
    work.largest = Math.max(work.largest, ops);
    if (ops >= LARGE_OP) work.large += ops * times;
    else work.small += ops * times;
  };
  for (const layer of model.layers as unknown as LayerLike[]) {
    for (const w of layer.trainableWeights) {
      if (!/kernel$/.test(w.originalName)) continue;
      if (/recurrent_kernel$/.test(w.originalName)) {
        const steps = shapeOf(layer.input)[1] ?? 1;
        const ops = batch * prod(w.shape);
        add(ops, steps);
        if (steps > work.steps) Object.assign(work, { steps, stepProduct: ops });
        continue;
      }
      // Convolutions: every output position; dense and recurrent input kernels: every position of the input but the last axis.
      const over = /Conv/.test(layer.getClassName()) ? shapeOf(layer.output).slice(1, -1) : shapeOf(layer.input).slice(1, -1);
      add(batch * prod(over) * prod(w.shape), 1);
    }
  }
  return work;
}

interface ThreadedWasm {
  wasm?: { tfjs?: { initWithThreadsCount?(n: number): void; getThreadsCount?(): number } };
}

/**
 * Drops the wasm backend to one thread when `model` is too small for its threads (see LARGE_OP), updating
 * `report`; returns the reason, or undefined when nothing changed. Only for a thread count the user did not set.
 */
export function fitThreadsToModel(tf: TF, model: LayersModel, batch: number, report: BackendReport): string | undefined {
  if (report.name !== 'wasm' || (report.threads ?? 1) <= 1) return undefined;
  const why = tooSmallForThreads(model, batch);
  if (!why) return undefined;
  const tfjs = (tf.engine().backend as unknown as ThreadedWasm).wasm?.tfjs;
  if (!tfjs?.initWithThreadsCount || !tfjs.getThreadsCount) return undefined;
  // A new pool of one thread (the calling one): the old pool's workers sleep from now on. Never raised again
  // in this process (a larger pool would need workers the emscripten pool no longer has).
  tfjs.initWithThreadsCount(1);
  report.threads = tfjs.getThreadsCount();
  report.threadsNote = why;
  return why;
}

/**
 * Why `model` at `batch` rows is too small for several threads, or undefined: when most of its multiply-adds
 * are in products below LARGE_OP (bench task D, an LSTM over 64 characters, trained at 0.9x the
 * single-threaded speed on two threads: two thirds of its work is in the per-step products).
 */
export function tooSmallForThreads(model: LayersModel, batch: number): string | undefined {
  const work = productWork(model, batch);
  const m = (n: number) => `${(n / 1e6).toFixed(1)} M`;
  if (work.large === 0) {
    return `the network's largest product is ${m(work.largest)} multiply-adds per batch, too small for several threads to pay (below ${LARGE_OP / 1e6} M)`;
  }
  if (work.large >= work.small) return undefined;
  const share = Math.round((100 * work.small) / (work.small + work.large));
  const rnn = work.steps > 1 ? `: a recurrent layer's ${work.steps} time steps run one after another, each a product of ${m(work.stepProduct)}` : '';
  return `${share}% of the network's multiply-adds per batch are in products too small for several threads to pay (below ${LARGE_OP / 1e6} M each)${rnn}`;
}
