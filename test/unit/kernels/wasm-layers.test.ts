// Every trainable layer type of the spec trains on wasm (no missing kernel) and takes the same step as on
// the cpu backend from the same weights.
import { strict as assert } from 'node:assert';
import * as layers from '@tensorflow/tfjs-layers';
import { randArray, relError, rng, setup, tf } from './compare';

interface Case {
  name: string;
  inputShape: number[];
  build(): layers.layers.Layer[];
  /** Integer token inputs in [0, vocab) instead of floats. */
  vocab?: number;
}

const CASES: Case[] = [
  {
    name: 'conv2d (same, stride 2) + maxPooling2d + batchNormalization + flatten + dense',
    inputShape: [9, 9, 2],
    build: () => [
      layers.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      layers.layers.maxPooling2d({ poolSize: 2 }),
      layers.layers.batchNormalization(),
      layers.layers.flatten(),
      layers.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  },
  {
    name: 'conv2d (valid) + averagePooling2d + globalAveragePooling2d + dense',
    inputShape: [8, 7, 1],
    build: () => [
      layers.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'tanh' }),
      layers.layers.averagePooling2d({ poolSize: 2, strides: 1 }),
      layers.layers.globalAveragePooling2d({}),
      layers.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  },
  {
    name: 'reshape + conv1d + globalAveragePooling1d + dense',
    inputShape: [12],
    build: () => [
      layers.layers.reshape({ targetShape: [6, 2] }),
      layers.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'elu' }),
      layers.layers.globalAveragePooling1d({}),
      layers.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  },
  {
    name: 'embedding + lstm + dense',
    inputShape: [5],
    vocab: 7,
    build: () => [
      layers.layers.embedding({ inputDim: 7, outputDim: 3 }),
      layers.layers.lstm({ units: 4 }),
      layers.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  },
  {
    name: 'embedding + gru + simpleRNN + dense',
    inputShape: [5],
    vocab: 7,
    build: () => [
      layers.layers.embedding({ inputDim: 7, outputDim: 3 }),
      layers.layers.gru({ units: 4, returnSequences: true }),
      layers.layers.simpleRNN({ units: 3 }),
      layers.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  },
  {
    name: 'embedding + bidirectional lstm (concat) + globalMaxPooling1d + dense',
    inputShape: [6],
    vocab: 9,
    build: () => [
      layers.layers.embedding({ inputDim: 9, outputDim: 3 }),
      layers.layers.bidirectional({ layer: layers.layers.lstm({ units: 3, returnSequences: true }) as never, mergeMode: 'concat' }),
      layers.layers.globalMaxPooling1d({}),
      layers.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  },
  {
    name: 'embedding + conv1d + maxPooling1d + bidirectional gru (sum) + dense',
    inputShape: [8],
    vocab: 9,
    build: () => [
      layers.layers.embedding({ inputDim: 9, outputDim: 3 }),
      layers.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'linear' }),
      layers.layers.maxPooling1d({ poolSize: 2 }),
      layers.layers.bidirectional({ layer: layers.layers.gru({ units: 3 }) as never, mergeMode: 'sum' }),
      layers.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  },
  {
    name: 'embedding + lstm + repeatVector + lstm (sequences) + timeDistributed dense + flatten + dense',
    inputShape: [5],
    vocab: 7,
    build: () => [
      layers.layers.embedding({ inputDim: 7, outputDim: 3 }),
      layers.layers.lstm({ units: 4 }),
      layers.layers.repeatVector({ n: 3 }),
      layers.layers.lstm({ units: 4, returnSequences: true }),
      layers.layers.timeDistributed({ layer: layers.layers.dense({ units: 2, activation: 'tanh' }) }),
      layers.layers.flatten(),
      layers.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  },
  {
    name: 'embedding + simpleRNN (sequences) + globalAveragePooling1d + dense',
    inputShape: [5],
    vocab: 7,
    build: () => [
      layers.layers.embedding({ inputDim: 7, outputDim: 3 }),
      layers.layers.simpleRNN({ units: 4, returnSequences: true }),
      layers.layers.globalAveragePooling1d({}),
      layers.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  },
];

async function stepOn(backend: 'cpu' | 'wasm', c: Case, seed: number) {
  await tf.setBackend(backend);
  const r = rng(seed);
  const model = layers.sequential();
  c.build().forEach((l, i) => {
    if (i === 0) (l as unknown as { batchInputShape: number[] }).batchInputShape = [null as unknown as number, ...c.inputShape];
    model.add(l);
  });
  // Identical starting weights on both backends.
  model.setWeights(model.getWeights().map((w) => tf.tensor(randArray(r, w.size, 0.5), w.shape)));
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  const n = 6;
  const size = n * c.inputShape.reduce((a, b) => a * b, 1);
  const xs = c.vocab
    ? tf.tensor(new Float32Array(size).map(() => Math.floor(r() * c.vocab!)), [n, ...c.inputShape])
    : tf.tensor(randArray(r, size), [n, ...c.inputShape]);
  const ys = tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3), 'float32');
  const losses: number[] = [];
  for (let s = 0; s < 3; s++) losses.push((await model.trainOnBatch(xs, ys)) as number);
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  tf.dispose([xs, ys]);
  return { losses, weights };
}

describe('spec layer types train on wasm like on cpu', function () {
  this.timeout(300_000);
  before(setup);
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const want = await stepOn('cpu', c, 100 + i);
      const got = await stepOn('wasm', c, 100 + i);
      want.losses.forEach((l, s) => {
        assert.ok(Number.isFinite(got.losses[s]), `loss at step ${s} is ${got.losses[s]}`);
        assert.ok(Math.abs(got.losses[s] - l) <= 1e-4 * Math.max(1, Math.abs(l)), `loss ${s}: wasm ${got.losses[s]} cpu ${l}`);
      });
      want.weights.forEach((w, k) => {
        const e = relError(got.weights[k], w);
        assert.ok(e <= 1e-4, `weights ${k} after 3 steps differ from cpu by ${e.toExponential(2)}`);
      });
    });
  });
});
