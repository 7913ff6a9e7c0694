// Every wasm training kernel we register against the cpu backend's gradient, on random shapes, strides
// and paddings (odd sizes included), to 1e-4 relative error.
import { strict as assert } from 'node:assert';
import { compareGrads, randArray, randInt, rng, setup, tf, type Input } from './compare';

type Pad = 'same' | 'valid';
const PADS: Pad[] = ['same', 'valid'];

describe('wasm training kernels match the cpu backend', function () {
  this.timeout(300_000);
  let names: string[] = [];
  before(async () => {
    names = await setup();
  });

  it('registers the kernels training needs', () => {
    for (const k of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'AvgPoolGrad', 'UnsortedSegmentSum']) {
      assert.ok(names.includes(k), `${k} not registered (got ${names.join(', ')})`);
      assert.ok(tf.getKernel(k, 'wasm'), `${k} missing for wasm`);
    }
  });

  it('conv2d: filter and input gradients (Conv2DBackpropFilter, Conv2DBackpropInput)', async () => {
    const r = rng(1);
    for (let n = 0; n < 24; n++) {
      const b = randInt(r, 1, 3);
      const h = randInt(r, 4, 11);
      const w = randInt(r, 4, 11);
      const ci = randInt(r, 1, 4);
      const co = randInt(r, 1, 5);
      const kh = randInt(r, 1, Math.min(4, h));
      const kw = randInt(r, 1, Math.min(4, w));
      const strides: [number, number] = n % 3 === 0 ? [1, 2] : n % 3 === 1 ? [2, 2] : [1, 1];
      const pad = PADS[n % 2];
      const inputs: Input[] = [
        { values: randArray(r, b * h * w * ci), shape: [b, h, w, ci] },
        { values: randArray(r, kh * kw * ci * co), shape: [kh, kw, ci, co] },
      ];
      await compareGrads(
        `conv2d x[${b},${h},${w},${ci}] f[${kh},${kw},${ci},${co}] s${strides} ${pad}`,
        inputs,
        [0, 1],
        (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, strides, pad),
        n,
      );
    }
  });

  it('conv1d (a conv2d underneath)', async () => {
    const r = rng(2);
    for (let n = 0; n < 8; n++) {
      const b = randInt(r, 1, 3);
      const len = randInt(r, 5, 17);
      const ci = randInt(r, 1, 4);
      const co = randInt(r, 1, 4);
      const k = randInt(r, 1, 5);
      const stride = n % 2 === 0 ? 1 : 2;
      const pad = PADS[(n >> 1) % 2];
      await compareGrads(
        `conv1d x[${b},${len},${ci}] k${k} s${stride} ${pad}`,
        [
          { values: randArray(r, b * len * ci), shape: [b, len, ci] },
          { values: randArray(r, k * ci * co), shape: [k, ci, co] },
        ],
        [0, 1],
        (x, f) => tf.conv1d(x as tf.Tensor3D, f as tf.Tensor3D, stride, pad),
        n,
      );
    }
  });

  it('maxPool: windows of values <= 0 and ties get the gradient as on cpu (MaxPoolGrad)', async () => {
    const r = rng(3);
    for (let n = 0; n < 24; n++) {
      const b = randInt(r, 1, 2);
      const h = randInt(r, 3, 11);
      const w = randInt(r, 3, 11);
      const c = randInt(r, 1, 4);
      const fs = randInt(r, 1, 3);
      const stride = n % 3 === 0 ? 1 : n % 3 === 1 ? 2 : fs;
      const pad = PADS[n % 2];
      // Mostly negative values, and few distinct levels on every other case so that windows hold ties.
      const vals = randArray(r, b * h * w * c, 1, -0.6);
      if (n % 2 === 1) for (let i = 0; i < vals.length; i++) vals[i] = Math.round(vals[i] * 2) / 2;
      await compareGrads(
        `maxPool x[${b},${h},${w},${c}] f${fs} s${stride} ${pad}`,
        [{ values: vals, shape: [b, h, w, c] }],
        [0],
        (x) => tf.maxPool(x as tf.Tensor4D, fs, stride, pad),
        n,
      );
    }
  });

  it('maxPool 2x2 stride 2 (the unrolled path): ties, negatives and odd sizes', async () => {
    const r = rng(8);
    for (const [h, w, pad] of [[6, 8, 'valid'], [7, 9, 'valid'], [7, 9, 'same'], [4, 4, 'same']] as [number, number, Pad][]) {
      const vals = randArray(r, 2 * h * w * 3, 1, -0.3).map((v) => Math.round(v * 2) / 2);
      await compareGrads(`maxPool 2x2/2 x[2,${h},${w},3] ${pad}`, [{ values: vals, shape: [2, h, w, 3] }], [0], (x) =>
        tf.maxPool(x as tf.Tensor4D, 2, 2, pad), h * w);
    }
  });

  it('maxPool on all-negative input still sends every window its gradient', async () => {
    const vals = new Float32Array(1 * 4 * 4 * 1).map((_, i) => -1 - i);
    await compareGrads('maxPool all negative', [{ values: vals, shape: [1, 4, 4, 1] }], [0], (x) =>
      tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), 7);
    await tf.setBackend('wasm');
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')))(tf.tensor(vals, [1, 4, 4, 1])).dataSync());
    assert.equal(Array.from(g).reduce((a, v) => a + v, 0), 4, 'each of the 4 windows passes exactly one gradient');
  });

  it('avgPool (AvgPoolGrad)', async () => {
    const r = rng(4);
    for (let n = 0; n < 16; n++) {
      const b = randInt(r, 1, 2);
      const h = randInt(r, 3, 11);
      const w = randInt(r, 3, 11);
      const c = randInt(r, 1, 4);
      const fs = randInt(r, 1, 3);
      const stride = n % 3 === 0 ? 1 : n % 3 === 1 ? 2 : fs;
      const pad = PADS[n % 2];
      await compareGrads(
        `avgPool x[${b},${h},${w},${c}] f${fs} s${stride} ${pad}`,
        [{ values: randArray(r, b * h * w * c), shape: [b, h, w, c] }],
        [0],
        (x) => tf.avgPool(x as tf.Tensor4D, fs, stride, pad),
        n,
      );
    }
  });

  it('gather, as in embedding layers (UnsortedSegmentSum)', async () => {
    const r = rng(5);
    for (let n = 0; n < 6; n++) {
      const vocab = randInt(r, 2, 12);
      const dim = randInt(r, 1, 6);
      const count = randInt(r, 1, 20);
      const ids = new Int32Array(count).map(() => randInt(r, 0, vocab - 1));
      await compareGrads(
        `gather vocab ${vocab} dim ${dim} ids ${count}`,
        [
          { values: randArray(r, vocab * dim), shape: [vocab, dim] },
          { values: ids, shape: [count], dtype: 'int32' },
        ],
        [0],
        (table, idx) => tf.gather(table, idx),
        n,
      );
    }
  });

  it('matMul with transposed operands (BatchMatMul)', async () => {
    const r = rng(6);
    for (let n = 0; n < 8; n++) {
      const m = randInt(r, 1, 9);
      const k = randInt(r, 1, 9);
      const p = randInt(r, 1, 9);
      const ta = n % 2 === 1;
      const tb = (n >> 1) % 2 === 1;
      await compareGrads(
        `matMul ${m}x${k}x${p} ta=${ta} tb=${tb}`,
        [
          { values: randArray(r, m * k), shape: ta ? [k, m] : [m, k] },
          { values: randArray(r, k * p), shape: tb ? [p, k] : [k, p] },
        ],
        [0, 1],
        (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, ta, tb),
        n,
      );
    }
  });
});
