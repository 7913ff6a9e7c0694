// How many threads a network is worth. XNNPACK splits every matrix product and convolution across its thread
// pool, and waking the pool costs about as much as a small product: a network whose largest product is a
// few hundred thousand multiply-adds per batch trains slower on two threads than on one (bench task A: 20-64-64-3
// at batch 256, about half the speed), while 784-128 at batch 128 gains. When the thread count is the default
// (not the user's), the trainer measures the network's largest product and, below LARGE_OP, drops the wasm
// backend's pool to one thread; the reason goes into run.json.
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

/**
 * The multiply-adds of the largest product one batch of `batch` rows runs through `model` (forward): a
 * kernel's size times the positions it is applied at (time steps, output pixels) times the batch.
 */
export function largestProduct(model: LayersModel, batch: number): number {
  let largest = 0;
  for (const layer of model.layers as unknown as LayerLike[]) {
    for (const w of layer.trainableWeights) {
      if (!/kernel$/.test(w.originalName) || /recurrent_kernel$/.test(w.originalName)) continue;
      const cls = layer.getClassName();
      // Convolutions: every output position; dense and recurrent layers: every position of the input but the last axis.
      const over = /Conv/.test(cls) ? shapeOf(layer.output).slice(1, -1) : shapeOf(layer.input).slice(1, -1);
      largest = Math.max(largest, batch * prod(over) * prod(w.shape));
    }
  }
  return largest;
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

/** Why `model` at `batch` rows is too small for several threads (see LARGE_OP), or undefined. */
export function tooSmallForThreads(model: LayersModel, batch: number): string | undefined {
  const ops = largestProduct(model, batch);
  if (ops >= LARGE_OP) return undefined;
  return `the network's largest product is ${(ops / 1e6).toFixed(1)} M multiply-adds per batch, too small for several threads to pay (below ${LARGE_OP / 1e6} M)`;
}
