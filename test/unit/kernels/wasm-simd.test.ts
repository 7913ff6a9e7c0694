// The hand-assembled SIMD loops: they instantiate on this Node, and on a shared memory they compute what the
// scalar formulas compute (Adam in place and into separate outputs), touching nothing past the n values given.
import { strict as assert } from 'node:assert';
import { simdKernels, type WasmMemory } from '../../../src/engine/wasm-simd';
import { randArray, rng } from './compare';

const adamSimd = (memory: WasmMemory) => simdKernels(memory)?.adam;

const Memory = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory } }).WebAssembly.Memory;

describe('SIMD Adam loop', () => {
  it('instantiates on this Node (WebAssembly SIMD), once per memory', () => {
    const memory = new Memory({ initial: 1 });
    const fn = adamSimd(memory);
    assert.equal(typeof fn, 'function');
    assert.equal(adamSimd(memory), fn);
  });

  it("instantiates on a shared memory (the threaded wasm build's, emscripten's maximum of 65536 pages)", () => {
    const memory = new Memory({ initial: 1, maximum: 65536, shared: true });
    assert.ok(memory.buffer instanceof SharedArrayBuffer);
    assert.equal(typeof adamSimd(memory), 'function');
  });

  for (const [inPlace, shared] of [[true, false], [false, false], [true, true]]) {
    it(`matches the scalar update to float32 precision (${inPlace ? 'moments in place' : 'separate outputs'}${shared ? ', shared memory' : ''})`, () => {
      const n = 1000;
      const stride = 1024 * 4; // bytes between the arrays; a guard of 24 values after each
      const memory = shared ? new Memory({ initial: 1, maximum: 65536, shared: true }) : new Memory({ initial: 1 });
      const arrays = Array.from({ length: 7 }, (_, i) => new Float32Array(memory.buffer, i * stride, 1024));
      const [x, m, v, g] = arrays;
      const r = rng(5);
      x.set(randArray(r, 1024));
      m.set(randArray(r, 1024, 0.1));
      v.set(randArray(r, 1024, 0.01, 0.011));
      g.set(randArray(r, 1024, 2));
      const before = arrays.map((a) => Float32Array.from(a));
      const [b1, b2, lr, eps] = [0.9, 0.999, 0.01, 1e-7];
      const [c1, c2] = [1 / (1 - b1 ** 3), 1 / (1 - b2 ** 3)];
      const [outX, outM, outV] = inPlace ? [4, 1, 2] : [4, 5, 6];
      adamSimd(memory)!(0, stride, 2 * stride, 3 * stride, outX * stride, outM * stride, outV * stride, n, b1, 1 - b1, b2, 1 - b2, lr, c1, c2, eps);
      const [ox, om, ov] = [arrays[outX], arrays[outM], arrays[outV]];
      for (let k = 0; k < n; k++) {
        const [m0, v0, g0, x0] = [before[1][k], before[2][k], before[3][k], before[0][k]];
        const mk = b1 * m0 + (1 - b1) * g0;
        const vk = b2 * v0 + (1 - b2) * g0 * g0;
        const xk = x0 - (lr * (mk * c1)) / (Math.sqrt(vk * c2) + eps);
        assert.ok(Math.abs(om[k] - mk) <= 1e-6 * Math.max(1, Math.abs(mk)), `m[${k}]: ${om[k]} vs ${mk}`);
        assert.ok(Math.abs(ov[k] - vk) <= 1e-6 * Math.max(1e-3, vk), `v[${k}]: ${ov[k]} vs ${vk}`);
        assert.ok(Math.abs(ox[k] - xk) <= 1e-6 * Math.max(1, Math.abs(xk)), `x[${k}]: ${ox[k]} vs ${xk}`);
      }
      // Nothing past n was written, and the inputs that are not outputs are unchanged.
      arrays.forEach((a, i) => assert.deepEqual(a.subarray(n), before[i].subarray(n), `array ${i} past n`));
      assert.deepEqual(g, before[3]);
      assert.deepEqual(x, before[0]);
    });
  }
});

describe('SIMD relu gradient loop', () => {
  for (const shared of [false, true]) {
    it(`multiplies da by (a > 0), as tfjs's relu gradient, for n values only${shared ? ' (shared memory)' : ''}`, () => {
      const n = 1000;
      const stride = 1024 * 4;
      const memory = shared ? new Memory({ initial: 1, maximum: 65536, shared: true }) : new Memory({ initial: 1 });
      const da = new Float32Array(memory.buffer, 0, 1024);
      const a = new Float32Array(memory.buffer, stride, 1024);
      const r = rng(9);
      da.set(randArray(r, 1024, 3));
      // relu outputs: zeros (half of them), positives, and the edge values a relu can give.
      a.set(randArray(r, 1024, 1).map((v) => Math.max(0, v)));
      a[0] = -0;
      a[1] = Number.MIN_VALUE;
      a[2] = NaN;
      da[3] = NaN; // where a <= 0 the product is NaN, as 0 * NaN
      a[3] = 0;
      da[4] = Infinity;
      a[4] = 1;
      const before = { da: Float32Array.from(da), a: Float32Array.from(a) };
      simdKernels(memory)!.reluGrad(0, stride, n);
      for (let k = 0; k < n; k++) {
        const want = Math.fround(before.da[k] * (before.a[k] > 0 ? 1 : 0));
        assert.ok(Object.is(da[k], want), `da[${k}]: ${da[k]}, expected ${want} (da ${before.da[k]}, a ${before.a[k]})`);
      }
      assert.deepEqual(da.subarray(n), before.da.subarray(n));
      assert.deepEqual(a, before.a);
    });
  }
});

describe('SIMD transpose', () => {
  for (const [rows, cols, shared] of [[4, 4, false], [128, 784, false], [8, 20, true], [256, 64, true]] as const) {
    it(`transposes ${rows} x ${cols}${shared ? ' (shared memory)' : ''}, writing nothing past the output`, () => {
      const n = rows * cols;
      const pages = Math.ceil((3 * n * 4 + 64) / 65536);
      const memory = shared ? new Memory({ initial: pages, maximum: 65536, shared: true }) : new Memory({ initial: pages });
      const src = new Float32Array(memory.buffer, 0, n);
      const dst = new Float32Array(memory.buffer, n * 4, n + 16); // 16 guard values after the output
      src.set(randArray(rng(rows + cols), n, 5));
      dst.fill(7);
      const before = Float32Array.from(src);
      simdKernels(memory)!.transpose(0, n * 4, rows, cols);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) assert.equal(dst[c * rows + r], src[r * cols + c], `[${r}, ${c}]`);
      }
      assert.ok(dst.subarray(n).every((v) => v === 7), 'nothing written past the output');
      assert.deepEqual(src, before);
    });
  }
});
