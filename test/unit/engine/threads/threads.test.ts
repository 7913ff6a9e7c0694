// The threaded wasm build (src/engine/backends/wasm-threads.ts) trains the same networks as the
// single-threaded one: the same losses, step by step, within float32 rounding (XNNPACK splits sums
// differently across threads). Each thread count runs in its own process (train-losses.ts).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { threadedUnavailable } from '../../../../src/engine/backends/wasm-threads';
import { largestProduct, LARGE_OP } from '../../../../src/engine/threads';
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

  it("sizes a network by its largest product: the bench's tabular MLP is too small for threads, the 784-128 MLP and the CNN are not", async () => {
    await setup();
    await tf.setBackend('cpu');
    const ops = (id: 'A' | 'B' | 'C' | 'D') => largestProduct(TASKS[id].build(TF_NS, 1), TASKS[id].batchSize);
    assert.equal(ops('A'), 256 * 64 * 64);
    assert.ok(ops('A') < LARGE_OP);
    assert.equal(ops('B'), 128 * 784 * 128);
    assert.ok(ops('B') >= LARGE_OP);
    // conv2d 16 -> 32, 3x3, on 11x11 outputs, batch 64.
    assert.equal(ops('C'), 64 * 11 * 11 * 3 * 3 * 16 * 32);
    // The LSTM's input kernel (32 x 4*64) at each of 64 steps.
    assert.equal(ops('D'), 64 * 64 * 32 * 256);
  });
});
