// Runs the same gradient on the cpu backend (the reference) and on wasm with our kernels, and compares.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-layers calls chained tensor methods (x.flatten(), ...); the tfjs-core bundle does not add them.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import * as layers from '@tensorflow/tfjs-layers';
import type { TF } from '../../../src/engine/tf';
import { registerWasmTrainingKernels } from '../../../src/engine/backends/wasm-kernels';
import { mulberry32 } from '../../../src/data/split';

export const TF_NS = { ...tf, ...layers } as unknown as TF;
export { tf };

let ready: Promise<string[]> | undefined;
/** Registers the kernels once and checks that both backends start. */
export function setup(): Promise<string[]> {
  ready ??= (async () => {
    const names = registerWasmTrainingKernels(TF_NS);
    // As the product's backend ladder does: tfjs's probe for threads (a MessageChannel posting a
    // SharedArrayBuffer) would leave a port open that keeps mocha's process alive after the suite.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not start');
    if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend did not start');
    return names;
  })();
  return ready;
}

/** Deterministic pseudo-random numbers. */
export const rng = mulberry32;

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function randArray(r: () => number, n: number, scale = 1, offset = 0): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * scale + offset;
  return a;
}

export interface Input {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype?: 'float32' | 'int32';
}

/**
 * Evaluates the gradients of `sum(f(inputs) * weights)` with respect to the float inputs listed in `wrt`,
 * on one backend. The random `weights` make the upstream gradient non-uniform.
 */
export async function gradsOn(
  backend: 'cpu' | 'wasm',
  inputs: Input[],
  wrt: number[],
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  seed: number,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const ts = inputs.map((i) => tf.tensor(i.values, i.shape, i.dtype ?? 'float32'));
    const outShape = tf.tidy(() => f(...ts).shape);
    const size = outShape.reduce((a, b) => a * b, 1);
    const weights = tf.tensor(randArray(rng(seed), size), outShape);
    const g = tf.grads((...vs: tf.Tensor[]) => {
      const all = ts.slice();
      wrt.forEach((idx, k) => (all[idx] = vs[k]));
      return tf.sum(tf.mul(f(...all), weights));
    });
    return g(wrt.map((i) => ts[i])).map((t) => t.dataSync() as Float32Array);
  });
}

/** Largest absolute difference divided by the largest reference magnitude. */
export function relError(got: Float32Array, want: Float32Array): number {
  if (got.length !== want.length) return Infinity;
  let diff = 0;
  let mag = 0;
  for (let i = 0; i < want.length; i++) {
    if (!Number.isFinite(got[i])) return Infinity;
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    mag = Math.max(mag, Math.abs(want[i]));
  }
  return mag === 0 ? diff : diff / mag;
}

export async function compareGrads(
  label: string,
  inputs: Input[],
  wrt: number[],
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  seed: number,
  tol = 1e-4,
): Promise<void> {
  const want = await gradsOn('cpu', inputs, wrt, f, seed);
  const got = await gradsOn('wasm', inputs, wrt, f, seed);
  want.forEach((w, k) => {
    const e = relError(got[k], w);
    if (!(e <= tol)) {
      throw new Error(`${label}: gradient ${k} differs from cpu, relative error ${e.toExponential(2)} > ${tol}`);
    }
  });
}
