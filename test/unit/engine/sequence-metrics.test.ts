// tokenAccuracy and sequenceAccuracy against a plain reading of their definitions.
import { strict as assert } from 'node:assert';
import { setup, tf, TF_NS } from '../kernels/compare';
import { sequenceAccuracy, tokenAccuracy } from '../../../src/engine/metrics/sequence';

/** One-hot "probabilities" for predicted ids. */
function probs(ids: number[][], k: number): tf.Tensor {
  return tf.oneHot(tf.tensor2d(ids, undefined, 'int32'), k).cast('float32');
}

describe('sequence metrics', () => {
  // targets: "12" + pad, "3" + pad + pad, "123"
  let want: tf.Tensor;
  before(async () => {
    await setup();
    want = tf.tensor2d([[2, 3, 0], [4, 0, 0], [2, 3, 4]]);
  });

  it('tokenAccuracy counts target tokens only', async () => {
    // row 1: both right; row 2: right, padding wrong (ignored); row 3: one of three wrong
    const got = probs([[2, 3, 0], [4, 2, 2], [2, 4, 4]], 5);
    const v = (tokenAccuracy(TF_NS)(want, got).dataSync() as Float32Array)[0];
    assert.ok(Math.abs(v - 5 / 6) < 1e-6, `got ${v}`);
  });

  it('sequenceAccuracy: every token right and the text ends where the target ends', async () => {
    // row 1 right; row 2 predicts "32" (no end); row 3 right (full length, no padding to check)
    const got = probs([[2, 3, 0], [4, 2, 0], [2, 3, 4]], 5);
    assert.deepEqual(Array.from(sequenceAccuracy(TF_NS)(want, got).dataSync()), [1, 0, 1]);
    // garbage after the end does not count: the decoded text stops at the first padding
    const after = probs([[2, 3, 0], [4, 0, 3], [2, 3, 4]], 5);
    assert.deepEqual(Array.from(sequenceAccuracy(TF_NS)(want, after).dataSync()), [1, 1, 1]);
  });

  it('works on wasm too, with targets shaped [batch, positions, 1]', async () => {
    await tf.setBackend('wasm');
    want = tf.tensor2d([[2, 3, 0], [4, 0, 0], [2, 3, 4]]);
    const got = probs([[2, 3, 0], [4, 2, 0], [2, 3, 4]], 5);
    const w3 = tf.reshape(want, [3, 3, 1]);
    assert.deepEqual(Array.from(sequenceAccuracy(TF_NS)(w3, got).dataSync()), [1, 0, 1]);
    const v = (tokenAccuracy(TF_NS)(w3, got).dataSync() as Float32Array)[0];
    assert.equal(v, 1); // the one wrong position is padding
  });
});
