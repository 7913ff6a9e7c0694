// The wasm slicing kernels that read their input in place (src/engine/backends/wasm-kernels/slice.ts):
// Slice, Unpack and SplitV give exactly the cpu backend's values for every axis, odd shapes, int32 and bool,
// and an LSTM's gradient through unstack matches cpu to 1e-4.
import { strict as assert } from 'node:assert';
import * as layers from '@tensorflow/tfjs-layers';
import { compareGrads, randArray, randInt, rng, setup, tf } from './compare';

async function on<T>(backend: 'cpu' | 'wasm', f: () => T): Promise<T> {
  await tf.setBackend(backend);
  return f();
}

/** f's outputs on cpu and on wasm, as plain arrays with their shapes. */
async function both(f: () => tf.Tensor | tf.Tensor[]): Promise<{ shape: number[]; values: number[] }[][]> {
  const read = () =>
    tf.tidy(() => {
      const out = f();
      return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: t.shape, values: Array.from(t.dataSync() as ArrayLike<number>) }));
    });
  return [await on('cpu', read), await on('wasm', read)];
}

describe('wasm slicing kernels read the heap in place and match the cpu backend', function () {
  this.timeout(120_000);
  let names: string[] = [];
  before(async () => {
    names = await setup();
  });

  it('replaces Slice, Unpack and SplitV', () => {
    for (const k of ['Slice', 'Unpack', 'SplitV']) assert.ok(names.includes(k), `${k} not registered (got ${names.join(', ')})`);
  });

  it('slice: every rank up to 5, boxes anywhere, sizes of -1, int32 and bool', async () => {
    const r = rng(3);
    for (let trial = 0; trial < 40; trial++) {
      const rank = 1 + (trial % 5);
      const shape = Array.from({ length: rank }, () => randInt(r, 1, 6));
      const begin = shape.map((d) => randInt(r, 0, d - 1));
      const size = shape.map((d, i) => (r() < 0.2 ? -1 : randInt(r, 0, d - begin[i])));
      const values = randArray(r, shape.reduce((a, b) => a * b, 1));
      const dtype = trial % 3 === 0 ? 'int32' : trial % 7 === 0 ? 'bool' : 'float32';
      const [cpu, wasm] = await both(() => {
        const f = tf.tensor(values, shape);
        // (wasm's Cast to bool keeps the low byte of the value, not value != 0: bools come from a comparison.)
        const x = dtype === 'float32' ? f : dtype === 'bool' ? tf.greater(f, 0) : tf.round(tf.mul(f, 5)).cast('int32');
        return tf.slice(x, begin, size);
      });
      assert.deepEqual(wasm, cpu, `slice of ${shape} at ${begin} size ${size} (${dtype})`);
    }
  });

  it('unstack along every axis and split into given sizes', async () => {
    const r = rng(5);
    const shape = [3, 5, 4, 2];
    const values = randArray(r, 120);
    for (let axis = -1; axis < 4; axis++) {
      const [cpu, wasm] = await both(() => tf.unstack(tf.tensor(values, shape), axis));
      assert.deepEqual(wasm, cpu, `unstack axis ${axis}`);
    }
    for (const [axis, split] of [[1, [2, 0, 3]], [2, 2], [3, [1, 1]], [0, [1, 2]]] as [number, number | number[]][]) {
      const [cpu, wasm] = await both(() => tf.split(tf.tensor(values, shape), split, axis));
      assert.deepEqual(wasm, cpu, `split ${JSON.stringify(split)} on axis ${axis}`);
    }
  });

  it('an LSTM over 7 steps: input and weight gradients through unstack as on cpu', async () => {
    const r = rng(9);
    const x = { values: randArray(r, 4 * 7 * 3), shape: [4, 7, 3] };
    const make = () => layers.layers.lstm({ units: 5, returnSequences: true, kernelInitializer: layers.initializers.glorotUniform({ seed: 1 }), recurrentInitializer: layers.initializers.glorotUniform({ seed: 2 }) });
    // The same weights on both backends: each build is seeded.
    await compareGrads('lstm', [x], [0], (t) => (make().apply(t) as tf.Tensor), 4, 1e-4);
  });
});
