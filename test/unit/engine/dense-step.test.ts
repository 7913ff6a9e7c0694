// The dense step on wasm against tfjs-layers' trainOnBatch on wasm: two copies of the same network, the same
// batches; every step's loss and metrics, an evaluation, and the final weights must agree. Also: where the
// dense step does not apply, tfjs-layers trains and the reason is given.
import { strict as assert } from 'node:assert';
import { TF_NS, randArray, rng, setup, tf } from '../kernels/compare';
import { buildModel, compileModel, type OutputPlan } from '../../../src/engine/model';
import { makeTrainStep, type Batch } from '../../../src/engine/step';
import type { LayerSpec, MetricName } from '../../../src/format/types';
import type { OptimizerChoice } from '../../../src/engine/model';

interface Case {
  name: string;
  inputShape: number[];
  layers: LayerSpec[];
  plan: OutputPlan;
  metrics: MetricName[];
  batch: number;
  optimizer?: OptimizerChoice;
}

const CASES: Case[] = [
  {
    name: 'course network: 2 -> 2 sigmoid -> 1 sigmoid, binary crossentropy',
    inputShape: [2],
    layers: [{ type: 'dense', units: 2, activation: 'sigmoid' }],
    plan: { units: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', targetMode: 'binary' },
    metrics: ['accuracy'],
    batch: 8,
  },
  {
    name: 'tabular: 20 -> 16 relu -> 16 relu -> 3 softmax, categorical crossentropy',
    inputShape: [20],
    layers: [
      { type: 'dense', units: 16, activation: 'relu' },
      { type: 'dense', units: 16, activation: 'relu' },
    ],
    plan: { units: 3, activation: 'softmax', loss: 'categoricalCrossentropy', targetMode: 'onehot' },
    metrics: ['accuracy'],
    batch: 32,
  },
  {
    name: 'regression: 3 -> 8 tanh -> 5 linear -> 2 linear, mean squared error, mae and mse, plain SGD',
    inputShape: [3],
    layers: [
      { type: 'dense', units: 8, activation: 'tanh' },
      { type: 'dense', units: 5 },
    ],
    plan: { units: 2, activation: 'linear', loss: 'meanSquaredError', targetMode: 'values' },
    metrics: ['mae', 'mse'],
    batch: 16,
    optimizer: { type: 'sgd', learningRate: 0.05 },
  },
  {
    name: 'image: 4x4x1 -> flatten -> 6 relu -> 3 softmax, a last batch of another size',
    inputShape: [4, 4, 1],
    layers: [{ type: 'flatten' }, { type: 'dense', units: 6, activation: 'relu' }],
    plan: { units: 3, activation: 'softmax', loss: 'categoricalCrossentropy', targetMode: 'onehot' },
    metrics: ['accuracy'],
    batch: 10,
  },
];

const STEPS = 15;

function batchFor(c: Case, r: () => number, rows: number): Batch {
  const size = c.inputShape.reduce((a, b) => a * b, 1);
  const xs = randArray(r, rows * size);
  const width = c.plan.units;
  const ys = new Float32Array(rows * width);
  for (let i = 0; i < rows; i++) {
    if (c.plan.targetMode === 'onehot') ys[i * width + Math.floor(r() * width)] = 1;
    else if (c.plan.targetMode === 'binary') ys[i] = r() < 0.5 ? 0 : 1;
    else for (let j = 0; j < width; j++) ys[i * width + j] = r() * 2 - 1;
  }
  return { xs, ys, b: rows };
}

function close(got: number, want: number, tol: number, what: string): void {
  const err = Math.abs(got - want) / Math.max(1, Math.abs(want));
  assert.ok(err <= tol, `${what}: ${got} vs ${want} (error ${err.toExponential(2)})`);
}

function build(c: Case) {
  const model = buildModel(TF_NS, { layers: c.layers, output: c.plan, inputShape: c.inputShape, seed: 11 });
  compileModel(TF_NS, model, c.plan, c.optimizer ?? { type: 'adam', learningRate: 0.01 }, c.metrics);
  return model;
}

describe('dense step on wasm = tfjs-layers trainOnBatch', function () {
  this.timeout(120_000);
  before(async () => {
    await setup();
    await tf.setBackend('wasm');
  });

  for (const c of CASES) {
    it(c.name, async () => {
      await tf.setBackend('wasm');
      const stockModel = build(c);
      const denseModel = build(c);
      const opts = { plan: c.plan, metrics: c.metrics, inputShape: c.inputShape };
      const stock = makeTrainStep(TF_NS, stockModel, { ...opts, forceLayers: true });
      const dense = makeTrainStep(TF_NS, denseModel, opts);
      assert.equal(dense.kind, 'dense-wasm', dense.reason);
      const before = tf.memory().numTensors;
      const r = rng(3);
      for (let s = 0; s < STEPS; s++) {
        const batch = batchFor(c, r, s === STEPS - 1 ? c.batch - 3 : c.batch);
        const want = await stock.train(batch);
        const got = await dense.train(batch);
        assert.equal(got.length, 1 + c.metrics.length);
        want.forEach((w, i) => close(got[i], w, 2e-5, `step ${s + 1}, value ${i}`));
      }
      const held = batchFor(c, r, 2 * c.batch + 1);
      const want = await stock.evaluate(held);
      const got = await dense.evaluate(held);
      want.forEach((w, i) => close(got[i], w, 2e-5, `evaluation, value ${i}`));
      stockModel.getWeights().forEach((w, i) => {
        const a = w.dataSync();
        const b = denseModel.getWeights()[i].dataSync();
        a.forEach((v, k) => close(b[k], v, 1e-4, `weight ${i}[${k}]`));
      });
      // Nothing leaks: the step's own buffers are freed, the optimizer's state is all that was added.
      const optimizerState = (await denseModel.optimizer.getWeights()).length;
      assert.ok(tf.memory().numTensors - before <= 2 * optimizerState + 4, `tensors before ${before}, after ${tf.memory().numTensors}`);
      stockModel.dispose();
      denseModel.dispose();
    });
  }

  it('a wrong answer saturated beyond the clip gets no gradient, as in tfjs-layers', async () => {
    await tf.setBackend('wasm');
    const c: Case = {
      name: '',
      inputShape: [2],
      layers: [{ type: 'dense', units: 3, activation: 'relu', useBias: false }],
      plan: { units: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', targetMode: 'binary' },
      metrics: ['accuracy'],
      batch: 4,
      optimizer: { type: 'sgd', learningRate: 0.1 },
    };
    const results = [];
    for (const forceLayers of [true, false]) {
      const model = build(c);
      // Every output far beyond sigmoid's float32 range: p = 1 exactly, clipped to 1 - 1e-7 by the loss.
      model.setWeights(model.getWeights().map((w) => tf.fill(w.shape, 50)));
      const step = makeTrainStep(TF_NS, model, { plan: c.plan, metrics: c.metrics, inputShape: c.inputShape, forceLayers });
      const values = await step.train({ xs: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), ys: new Float32Array([0, 0, 1, 0]), b: 4 });
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      results.push({ kind: step.kind, values, weights });
      model.dispose();
    }
    const [stock, dense] = results;
    assert.deepEqual([stock.kind, dense.kind], ['layers', 'dense-wasm']);
    stock.values.forEach((w, i) => close(dense.values[i], w, 1e-5, `value ${i}`));
    const hi = Math.fround(1 - 1e-7);
    close(dense.values[0], 0.75 * Math.log(hi / (1 - hi)), 1e-5, 'loss of three wrong answers out of four');
    assert.deepEqual(dense.weights, stock.weights);
    assert.ok(dense.weights.flat().every((v) => v === 50), 'weights moved');
  });

  it('dropout: the step drops and scales as tf.dropout, and back-propagates through the same mask', async () => {
    await tf.setBackend('wasm');
    const rate = 0.3;
    const c: Case = {
      name: '',
      inputShape: [5],
      layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dropout', rate }],
      plan: { units: 3, activation: 'softmax', loss: 'categoricalCrossentropy', targetMode: 'onehot' },
      metrics: [],
      batch: 6,
      optimizer: { type: 'sgd', learningRate: 1 },
    };
    const model = build(c);
    const step = makeTrainStep(TF_NS, model, { plan: c.plan, metrics: [], inputShape: c.inputShape });
    assert.equal(step.kind, 'dense-wasm', step.reason);
    const batch = batchFor(c, rng(4), c.batch);
    const [w1, b1, w2, b2] = model.getWeights().map((w) => tf.clone(w));
    // The mask the step draws, drawn again from the same sequence.
    const random = Math.random;
    Math.random = rng(77);
    const [loss] = await step.train(batch);
    Math.random = rng(77);
    const keep = 1 - rate;
    const mask = tf.tensor(Array.from({ length: c.batch * 8 }, () => Math.floor(Math.random() + keep) / keep), [c.batch, 8]);
    Math.random = random;
    assert.ok(mask.dataSync().some((v) => v === 0) && mask.dataSync().some((v) => v > 1), 'the mask drops some values and scales the rest');
    // The same network written with tf ops and that mask; tf.grads gives the reference gradients.
    const xs = tf.tensor(batch.xs, [c.batch, 5]);
    const ys = tf.tensor(batch.ys, [c.batch, 3]);
    const f = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor, e: tf.Tensor) => {
      const hidden = tf.mul(tf.relu(tf.add(tf.matMul(xs, a), b)), mask);
      return TF_NS.metrics.categoricalCrossentropy(ys, tf.softmax(tf.add(tf.matMul(hidden, d), e))).mean() as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(f)([w1, b1, w2, b2]);
    close(loss, value.dataSync()[0], 1e-5, 'loss');
    // SGD with learning rate 1: old - new = the gradient.
    model.getWeights().forEach((w, i) => {
      const got = tf.sub([w1, b1, w2, b2][i], w).dataSync();
      grads[i].dataSync().forEach((want, k) => close(got[k], want, 1e-5, `gradient ${i}[${k}]`));
    });
    // Evaluation does not drop.
    const [evalLoss] = await step.evaluate(batch);
    const noDrop = tf.tidy(() => {
      const [a, b, d, e] = model.getWeights();
      const out = tf.softmax(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(xs, a), b)), d), e));
      return TF_NS.metrics.categoricalCrossentropy(ys, out).mean().dataSync()[0];
    });
    close(evalLoss, noDrop, 1e-5, 'evaluation loss');
    model.dispose();
  });

  it('a loss goes down on a learnable problem (xor-like, 300 steps)', async () => {
    await tf.setBackend('wasm');
    const c = CASES[1];
    const model = build(c);
    const step = makeTrainStep(TF_NS, model, { plan: c.plan, metrics: c.metrics, inputShape: c.inputShape });
    const r = rng(9);
    const first: number[] = [];
    const last: number[] = [];
    for (let s = 0; s < 300; s++) {
      const batch = batchFor(c, r, c.batch);
      // The class is a function of the inputs' signs, so the network can learn it.
      for (let i = 0; i < batch.b; i++) {
        const cls = (batch.xs[i * 20] > 0 ? 1 : 0) + (batch.xs[i * 20 + 1] > 0 ? 1 : 0);
        batch.ys.fill(0, i * 3, i * 3 + 3);
        batch.ys[i * 3 + cls] = 1;
      }
      const [loss] = await step.train(batch);
      if (s < 10) first.push(loss);
      if (s >= 290) last.push(loss);
    }
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    assert.ok(mean(last) < mean(first) / 2, `loss ${mean(first)} -> ${mean(last)}`);
    model.dispose();
  });

  it('falls back to tfjs-layers, saying why, where the dense step does not apply', async () => {
    await tf.setBackend('wasm');
    const plan: OutputPlan = { units: 3, activation: 'softmax', loss: 'categoricalCrossentropy', targetMode: 'onehot' };
    const withNorm = build({ name: '', inputShape: [4], layers: [{ type: 'dense', units: 4, activation: 'relu' }, { type: 'batchNormalization' }], plan, metrics: [], batch: 4 });
    const s1 = makeTrainStep(TF_NS, withNorm, { plan, metrics: [], inputShape: [4] });
    assert.equal(s1.kind, 'layers');
    assert.match(s1.reason ?? '', /BatchNormalization/);
    const sparse: OutputPlan = { units: 3, activation: 'softmax', loss: 'sparseCategoricalCrossentropy', targetMode: 'index' };
    const m2 = build({ name: '', inputShape: [4], layers: [], plan: sparse, metrics: ['accuracy'], batch: 4 });
    assert.match(makeTrainStep(TF_NS, m2, { plan: sparse, metrics: ['accuracy'], inputShape: [4] }).reason ?? '', /sparseCategoricalCrossentropy/);
    const m3 = build({ name: '', inputShape: [4], layers: [], plan, metrics: ['precision'], batch: 4 });
    assert.match(makeTrainStep(TF_NS, m3, { plan, metrics: ['precision'], inputShape: [4] }).reason ?? '', /precision/);
    await tf.setBackend('cpu');
    const m4 = build({ name: '', inputShape: [4], layers: [], plan, metrics: [], batch: 4 });
    const s4 = makeTrainStep(TF_NS, m4, { plan, metrics: [], inputShape: [4] });
    assert.equal(s4.kind, 'layers');
    assert.match(s4.reason ?? '', /not wasm/);
    // The fallback trains.
    const [loss] = await s4.train({ xs: new Float32Array(8).fill(0.5), ys: new Float32Array([1, 0, 0, 0, 1, 0]), b: 2 });
    assert.ok(Number.isFinite(loss));
    tf.dispose([withNorm, m2, m3, m4].flatMap((m) => m.getWeights()));
    await tf.setBackend('wasm');
  });
});
