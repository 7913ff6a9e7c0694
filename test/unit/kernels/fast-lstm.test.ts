// The one-op LSTM gives the stock tfjs LSTM's outputs and gradients (inputs and every weight), on cpu and
// on wasm, for every step or the last, forwards and backwards, and inside a bidirectional layer.
import { strict as assert } from 'node:assert';
import * as layers from '@tensorflow/tfjs-layers';
import { randArray, relError, rng, setup, tf, TF_NS } from './compare';
import { useFastLstm, fastLstmRefusal } from '../../../src/engine/layers/fast-lstm';

type Make = () => layers.layers.Layer;

async function run(backend: 'cpu' | 'wasm', make: Make, fast: boolean, seed: number) {
  await tf.setBackend(backend);
  const r = rng(seed);
  const B = 3;
  const T = 5;
  const I = 4;
  const input = layers.input({ shape: [T, I] });
  const layer = make();
  const out = layer.apply(input) as layers.SymbolicTensor;
  const model = layers.model({ inputs: input, outputs: out });
  model.setWeights(model.getWeights().map((w) => tf.tensor(randArray(r, w.size, 0.6), w.shape)));
  if (fast) {
    const inner = (layer as unknown as { forwardLayer?: unknown; backwardLayer?: unknown });
    const targets = inner.forwardLayer ? [inner.forwardLayer, inner.backwardLayer] : [layer];
    for (const t of targets) assert.equal(useFastLstm(TF_NS, t), undefined);
  }
  const x = tf.tensor(randArray(r, B * T * I), [B, T, I]);
  const outShape = [B, ...(out.shape.slice(1) as number[])];
  const w = tf.tensor(randArray(r, outShape.reduce((a, b) => a * b, 1)), outShape);
  const f = (xx: tf.Tensor) => tf.sum(tf.mul(model.apply(xx) as tf.Tensor, w));
  const { value, grads } = tf.variableGrads(() => f(x) as tf.Scalar);
  const gx = tf.grad((xx: tf.Tensor) => f(xx))(x);
  const res = {
    y: (model.apply(x) as tf.Tensor).dataSync() as Float32Array,
    loss: value.dataSync()[0],
    gx: gx.dataSync() as Float32Array,
    gw: model.trainableWeights.map((v) => grads[v.originalName ?? v.name].dataSync() as Float32Array),
  };
  model.dispose();
  return res;
}

const CASES: [string, Make][] = [
  ['last step', () => layers.layers.lstm({ units: 3, recurrentActivation: 'sigmoid' })],
  ['every step', () => layers.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true })],
  ['go backwards, every step', () => layers.layers.lstm({ units: 2, recurrentActivation: 'sigmoid', returnSequences: true, goBackwards: true })],
  ['bidirectional (concat), every step', () => layers.layers.bidirectional({ layer: layers.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', returnSequences: true }) as never, mergeMode: 'concat' })],
  ['without bias', () => layers.layers.lstm({ units: 3, recurrentActivation: 'sigmoid', useBias: false })],
  // Wider than the batch and the input, so that rows and columns cannot be swapped unnoticed.
  ['16 units, every step', () => layers.layers.lstm({ units: 16, recurrentActivation: 'sigmoid', returnSequences: true })],
];

describe('fast LSTM: one op, same numbers as the stock layer', function () {
  this.timeout(120_000);
  before(setup);
  for (const backend of ['cpu', 'wasm'] as const) {
    CASES.forEach(([name, make], k) => {
      it(`${name} (${backend})`, async () => {
        const want = await run('cpu', make, false, 7 + k);
        const got = await run(backend, make, true, 7 + k);
        assert.ok(relError(got.y, want.y) <= 1e-4, `outputs differ by ${relError(got.y, want.y)}`);
        assert.ok(relError(got.gx, want.gx) <= 1e-4, `input gradients differ by ${relError(got.gx, want.gx)}`);
        assert.equal(got.gw.length, want.gw.length);
        want.gw.forEach((g, i) => assert.ok(relError(got.gw[i], g) <= 1e-4, `weight ${i} gradient differs by ${relError(got.gw[i], g)}`));
      });
    });
  }

  it('refuses options it does not implement', () => {
    const l = layers.layers.lstm({ units: 2 });
    assert.match(fastLstmRefusal(l as never) ?? '', /recurrentActivation/);
    const d = layers.layers.lstm({ units: 2, recurrentActivation: 'sigmoid', dropout: 0.2 });
    assert.match(fastLstmRefusal(d as never) ?? '', /dropout/);
  });
});
