// The threaded wasm build (src/engine/backends/wasm-threads.ts) trains the same networks as the
// single-threaded one: the same losses, step by step, within float32 rounding (XNNPACK splits sums
// differently across threads). Each thread count runs in its own process (train-losses.ts).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { threadedUnavailable } from '../../../../src/engine/backends/wasm-threads';
import { LARGE_OP, productWork, tooSmallForThreads } from '../../../../src/engine/threads';
import { TASKS } from '../../../../bench/tasks';
import { TF_NS, setup, tf } from '../../kernels/compare';

interface Result {
  threads: number;
  threadsNote?: string;
  dense: number[];
  cnn: number[];
}

function train(threads: number): Result {
  const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, 'train-losses.ts'), String(threads)], {
    cwd: path.resolve(__dirname, '../../../..'),
    encoding: 'utf8',
    timeout: 240_000,
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as Result;
}

describe('wasm on several threads', function () {
  this.timeout(300_000);
  let one: Result;
  let two: Result;
  before(() => {
    one = train(1);
    two = train(2);
  });

  it('starts the threaded build with the threads asked for', () => {
    assert.equal(one.threads, 1);
    assert.equal(two.threadsNote, undefined, `fell back to one thread: ${two.threadsNote}`);
    assert.equal(two.threads, 2);
  });

  it('gives the single-threaded losses, step by step', () => {
    for (const net of ['dense', 'cnn'] as const) {
      assert.equal(two[net].length, one[net].length);
      one[net].forEach((l, i) => {
        const rel = Math.abs(two[net][i] - l) / Math.max(1e-6, Math.abs(l));
        assert.ok(rel < 1e-4, `${net} step ${i}: ${two[net][i]} on 2 threads, ${l} on 1 (relative ${rel.toExponential(2)})`);
      });
      // And training happened: the loss moved.
      assert.notEqual(one[net][0], one[net][one[net].length - 1]);
    }
  });
});

describe('when threads are used', () => {
  it('names why the threaded build cannot start', () => {
    assert.equal(threadedUnavailable(os.tmpdir(), 1), 'one thread asked for');
    assert.match(threadedUnavailable(os.tmpdir(), 2) ?? '', /tfjs-backend-wasm-threaded-simd\.wasm, .* not found in .*npm run build/);
  });

  it("weighs a network's products: the tabular MLP and the LSTM over characters are too small for threads, the 784-128 MLP and the CNN are not", async () => {
    await setup();
    await tf.setBackend('cpu');
    const work = (id: 'A' | 'B' | 'C' | 'D') => productWork(TASKS[id].build(TF_NS, 1), TASKS[id].batchSize);
    const small = (id: 'A' | 'B' | 'C' | 'D') => tooSmallForThreads(TASKS[id].build(TF_NS, 1), TASKS[id].batchSize);
    const a = work('A');
    assert.equal(a.largest, 256 * 64 * 64);
    assert.equal(a.large, 0);
    assert.equal(a.small, 256 * (20 * 64 + 64 * 64 + 64 * 3));
    assert.match(small('A') ?? '', /largest product is 1\.0 M multiply-adds per batch/);
    const b = work('B');
    assert.equal(b.largest, 128 * 784 * 128);
    assert.equal(b.large, 128 * 784 * 128);
    assert.equal(small('B'), undefined);
    // conv2d 16 -> 32, 3x3, on 11x11 outputs, batch 64.
    assert.equal(work('C').largest, 64 * 11 * 11 * 3 * 3 * 16 * 32);
    assert.equal(small('C'), undefined);
    // The LSTM's input kernel (32 x 4*64) is one product over all 64 steps; its recurrent kernel (64 x 4*64)
    // is 64 products, one per step, each below LARGE_OP: two thirds of the work.
    const d = work('D');
    assert.equal(d.largest, 64 * 64 * 32 * 256);
    assert.equal(d.large, 64 * 64 * 32 * 256);
    assert.ok(64 * 64 * 256 < LARGE_OP);
    assert.equal(d.steps, 64);
    assert.equal(d.stepProduct, 64 * 64 * 256);
    assert.ok(d.small > d.large);
    assert.match(small('D') ?? '', /^67% of the network's multiply-adds .* 64 time steps run one after another, each a product of 1\.0 M$/);
  });
});
