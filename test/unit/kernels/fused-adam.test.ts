// FusedAdam (one pass per variable on the wasm heap) against tf.train.adam on the cpu backend: N steps of
// random gradients on several shapes, to 1e-5 relative; same class name, config and getWeights() names and
// order; a save/restore in the middle gives the same result as running straight through.
import { strict as assert } from 'node:assert';
import { TF_NS, randArray, relError, rng, setup, tf } from './compare';
import { fusedAdam } from '../../../src/engine/optim/fused-adam';

const SHAPES = [[7, 5], [5], [3, 3, 2, 4], [1]];
const STEPS = 25;
let uid = 0;
/** tfjs types the gradient map as variables; any tensors do. */
type Grads = Parameters<tf.AdamOptimizer['applyGradients']>[0];

interface Run {
  values: Float32Array[];
  weights: { name: string; values: Float32Array }[];
}

/** Runs `steps` Adam steps on `backend` from the same start and gradients; `restoreAt` saves and restores the optimizer there. */
async function runAdam(backend: 'cpu' | 'wasm', fused: boolean, steps: number, restoreAt = -1, lr = 0.01): Promise<Run> {
  await tf.setBackend(backend);
  const r = rng(42);
  const id = uid++;
  const vars = SHAPES.map((s, i) => tf.variable(tf.tensor(randArray(r, s.reduce((a, b) => a * b, 1)), s), true, `adam${id}_w${i}`));
  const make = () => (fused ? fusedAdam(TF_NS, lr) : tf.train.adam(lr));
  let opt = make();
  for (let step = 0; step < steps; step++) {
    if (step === restoreAt) {
      const saved = (await opt.getWeights()).map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
      opt.dispose();
      opt = make();
      await opt.setWeights(saved);
    }
    const grads: Record<string, tf.Tensor> = {};
    vars.forEach((v) => (grads[v.name] = tf.tensor(randArray(r, v.size, step % 3 === 0 ? 5 : 0.1), v.shape)));
    opt.applyGradients(grads as unknown as Grads);
    tf.dispose(Object.values(grads));
  }
  const weights = (await opt.getWeights()).map((w) => ({ name: w.name, values: w.tensor.dataSync() as Float32Array }));
  const values = vars.map((v) => v.dataSync() as Float32Array);
  assert.equal(opt.getClassName(), 'Adam');
  opt.dispose();
  tf.dispose(vars);
  return { values, weights };
}

function names(run: Run): string[] {
  return run.weights.map((w) => w.name.replace(/^adam\d+_/, ''));
}

describe('FusedAdam matches tf.train.adam', function () {
  this.timeout(120_000);
  before(() => setup());

  it('wasm FusedAdam = cpu tf.train.adam over 25 steps (values, moments, iterations)', async () => {
    const want = await runAdam('cpu', false, STEPS);
    const got = await runAdam('wasm', true, STEPS);
    assert.deepEqual(names(got), names(want));
    assert.equal(got.weights[0].name, 'iter');
    assert.equal(got.weights[0].values[0], STEPS);
    got.values.forEach((g, i) => assert.ok(relError(g, want.values[i]) < 1e-5, `variable ${i}: ${relError(g, want.values[i])}`));
    got.weights.forEach((g, i) => assert.ok(relError(g.values, want.weights[i].values) < 1e-5, `${g.name}: ${relError(g.values, want.weights[i].values)}`));
  });

  it('restoring its weights mid-run continues exactly (wasm), and matches stock Adam restored the same way', async () => {
    const straight = await runAdam('wasm', true, 12);
    const resumed = await runAdam('wasm', true, 12, 6);
    const stock = await runAdam('cpu', false, 12, 6);
    resumed.values.forEach((g, i) => assert.deepEqual(Array.from(g), Array.from(straight.values[i])));
    resumed.values.forEach((g, i) => assert.ok(relError(g, stock.values[i]) < 1e-5, `variable ${i}`));
  });

  it('falls back to the stock math on cpu, and keeps the config of Adam', async () => {
    const want = await runAdam('cpu', false, 8);
    const got = await runAdam('cpu', true, 8);
    got.values.forEach((g, i) => assert.deepEqual(Array.from(g), Array.from(want.values[i])));
    const cfg = fusedAdam(TF_NS, 0.003).getConfig();
    assert.deepEqual(cfg, tf.train.adam(0.003).getConfig());
  });

  it('leaks no tensors per step on wasm, and never writes into a shared buffer', async () => {
    await tf.setBackend('wasm');
    const v = tf.variable(tf.ones([4, 3]), true, `adamleak_${uid++}`);
    const opt = fusedAdam(TF_NS, 0.01);
    const step = () => {
      const g = tf.fill([4, 3], 0.5);
      opt.applyGradients({ [v.name]: g } as unknown as Grads);
      g.dispose();
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    assert.equal(tf.memory().numTensors, before);
    // Buffers are updated in place only when no other tensor holds them.
    const held = tf.clone(v);
    const snapshot = Array.from(held.dataSync());
    step();
    assert.deepEqual(Array.from(held.dataSync()), snapshot);
    assert.notDeepEqual(Array.from(v.dataSync()), snapshot);
    held.dispose();
    opt.dispose();
    v.dispose();
  });
});
