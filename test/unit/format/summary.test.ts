// Parameter counts and output shapes without TensorFlow, checked against known Keras numbers and against
// TensorFlow.js itself building the same model.
import * as assert from 'node:assert/strict';
import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node entry does not register chained ops (tensor.flatten()), which the recurrent layers'
// default orthogonal initializer uses.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
import type { DataDescription } from '../../../src/data/columns';
import { countParams, summarizePlan } from '../../../src/format/summary';
import { inferShapes } from '../../../src/format/shapes';
import { makePlan } from '../../../src/format/plan';
import type { BaseModel } from '../../../src/format/base-model';
import type { LayerSpec, Spec } from '../../../src/format/types';

function classification(inputShape: number[], classes: number, inputNames: string[] = []): DataDescription {
  return {
    task: 'classification',
    features: [],
    inputNames,
    inputShape,
    target: ['y'],
    classNames: Array.from({ length: classes }, (_, i) => `c${i}`),
    rowCount: 100,
  };
}

function regression(inputShape: number[], targets = 1): DataDescription {
  return { task: 'regression', features: [], inputNames: [], inputShape, target: Array.from({ length: targets }, (_, i) => `t${i}`), rowCount: 100 };
}

/** The layer table of a spec as the CLI and the editor show it: through the plan. */
function summarizeModel(spec: Spec, description: DataDescription, base?: BaseModel) {
  return summarizePlan(makePlan(spec, { name: 'x', description, usableRows: description.rowCount, base }), description);
}

function specWith(layers: LayerSpec[]): Spec {
  return { data: { source: 'x.csv', target: 'y' }, model: { layers } };
}

/** The same model built by TensorFlow.js Layers, including the derived output layer. */
function tfjsModel(inputShape: number[], layers: LayerSpec[], outUnits: number, outActivation: string): tfl.Sequential {
  const m = tfl.sequential();
  let first = true;
  const input = (): { inputShape?: number[] } => {
    if (!first) return {};
    first = false;
    return { inputShape };
  };
  for (const l of layers) {
    switch (l.type) {
      case 'dense':
        m.add(tfl.layers.dense({ ...input(), units: l.units!, activation: l.activation as 'relu', useBias: l.useBias ?? true }));
        break;
      case 'dropout':
        m.add(tfl.layers.dropout({ ...input(), rate: l.rate! }));
        break;
      case 'batchNormalization':
        m.add(tfl.layers.batchNormalization({ ...input() }));
        break;
      case 'flatten':
        m.add(tfl.layers.flatten({ ...input() }));
        break;
      case 'conv2d':
        m.add(tfl.layers.conv2d({ ...input(), filters: l.filters!, kernelSize: l.kernelSize!, strides: l.strides ?? 1, padding: l.padding ?? 'valid' }));
        break;
      case 'maxPooling2d':
        m.add(tfl.layers.maxPooling2d({ ...input(), poolSize: l.poolSize ?? 2, strides: l.strides, padding: l.padding ?? 'valid' }));
        break;
      case 'averagePooling2d':
        m.add(tfl.layers.averagePooling2d({ ...input(), poolSize: l.poolSize ?? 2, strides: l.strides, padding: l.padding ?? 'valid' }));
        break;
      case 'globalAveragePooling2d':
        m.add(tfl.layers.globalAveragePooling2d({ ...input() }));
        break;
      case 'globalAveragePooling1d':
        m.add(tfl.layers.globalAveragePooling1d({ ...input() }));
        break;
      case 'reshape':
        m.add(tfl.layers.reshape({ ...input(), targetShape: l.targetShape! }));
        break;
      case 'embedding':
        m.add(tfl.layers.embedding({ ...input(), inputDim: l.inputDim!, outputDim: l.outputDim! }));
        break;
      case 'simpleRNN':
        m.add(tfl.layers.simpleRNN({ ...input(), units: l.units!, returnSequences: l.returnSequences ?? false }));
        break;
      case 'lstm':
        m.add(tfl.layers.lstm({ ...input(), units: l.units!, returnSequences: l.returnSequences ?? false }));
        break;
      case 'gru':
        m.add(tfl.layers.gru({ ...input(), units: l.units!, returnSequences: l.returnSequences ?? false }));
        break;
      case 'conv1d':
        m.add(tfl.layers.conv1d({ ...input(), filters: l.filters!, kernelSize: l.kernelSize as number, strides: (l.strides as number) ?? 1, padding: l.padding ?? 'valid' }));
        break;
      case 'conv2dTranspose':
        m.add(tfl.layers.conv2dTranspose({ ...input(), filters: l.filters!, kernelSize: l.kernelSize!, strides: l.strides ?? 1, padding: l.padding ?? 'valid' }));
        break;
      case 'upSampling2d':
        m.add(tfl.layers.upSampling2d({ ...input(), size: typeof l.size === 'number' ? [l.size, l.size] : l.size }));
        break;
      case 'maxPooling1d':
        m.add(tfl.layers.maxPooling1d({ ...input(), poolSize: (l.poolSize as number) ?? 2, strides: l.strides as number | undefined, padding: l.padding ?? 'valid' }));
        break;
      case 'globalMaxPooling1d':
        m.add(tfl.layers.globalMaxPooling1d({ ...input() }));
        break;
      case 'repeatVector':
        m.add(tfl.layers.repeatVector({ ...input(), n: l.n! }));
        break;
      case 'bidirectional': {
        const inner = l.layer!;
        const rnn = inner.type === 'gru' ? tfl.layers.gru : inner.type === 'lstm' ? tfl.layers.lstm : tfl.layers.simpleRNN;
        const layer = rnn({ units: inner.units!, returnSequences: inner.returnSequences ?? false }) as unknown as Parameters<typeof tfl.layers.bidirectional>[0]['layer'];
        m.add(tfl.layers.bidirectional({ ...input(), layer, mergeMode: l.mergeMode ?? 'concat' }));
        break;
      }
    }
  }
  m.add(tfl.layers.dense({ ...input(), units: outUnits, activation: outActivation as 'linear' }));
  return m;
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function checkAgainstTfjs(description: DataDescription, layers: LayerSpec[]): void {
  const ours = summarizeModel(specWith(layers), description);
  const out = ours[ours.length - 1];
  const model = tfjsModel(description.inputShape, layers, out.units!, out.activation!);
  try {
    assert.equal(model.layers.length, ours.length - 1);
    model.layers.forEach((tl, i) => {
      const o = ours[i + 1];
      assert.equal(o.params, tl.countParams(), `params of layer ${i + 1} (${o.type})`);
      assert.deepEqual(o.outputShape, tl.outputShape, `output shape of layer ${i + 1} (${o.type})`);
    });
    const counts = countParams(ours);
    assert.equal(counts.total, model.countParams());
    const trainable = model.trainableWeights.reduce((s, w) => s + sizeOf(w.shape as number[]), 0);
    assert.equal(counts.trainable, trainable, 'trainable');
  } finally {
    model.layers.forEach((l) => l.dispose());
  }
}

describe('summarizeModel', () => {
  // The TensorFlow.js comparisons build real layers: on this suite's backend, whatever ran before it.
  before(async () => {
    assert.ok(await tf.setBackend('cpu'), 'the cpu backend starts');
  });

  it('the course example: 2 inputs, 2 sigmoid neurons, two classes -> 9 learnable parameters', () => {
    const d = classification([2], 2, ['weight', 'height']);
    const s = summarizeModel(specWith([{ type: 'dense', units: 2, activation: 'sigmoid' }]), d);
    assert.deepEqual(
      s.map((l) => [l.name, l.derived ?? '', l.outputShape, l.params, l.formula ?? '', l.activation ?? '']),
      [
        ['input', 'input', [null, 2], 0, '', ''],
        ['dense_1', '', [null, 2], 6, '2 x 2 + 2 = 6', 'sigmoid'],
        ['output', 'output', [null, 1], 3, '2 x 1 + 1 = 3', 'sigmoid'],
      ],
    );
    assert.deepEqual(s[0].labels, ['weight', 'height']);
    assert.deepEqual(countParams(s), { total: 9, trainable: 9, nonTrainable: 0 });
  });

  it('an MLP 784-128-10 has 101,770 parameters', () => {
    const s = summarizeModel(specWith([{ type: 'dense', units: 128, activation: 'relu' }]), classification([784], 10));
    assert.equal(countParams(s).total, 101_770);
    assert.equal(s[2].units, 10);
    assert.equal(s[2].activation, 'softmax');
    assert.equal(s[1].formula, '784 x 128 + 128 = 100,480');
  });

  it('the Keras MNIST convnet has 34,826 parameters', () => {
    const layers: LayerSpec[] = [
      { type: 'conv2d', filters: 32, kernelSize: 3, activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'conv2d', filters: 64, kernelSize: 3, activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'flatten' },
      { type: 'dropout', rate: 0.5 },
    ];
    const s = summarizeModel(specWith(layers), classification([28, 28, 1], 10));
    assert.deepEqual(s.map((l) => l.outputShape), [
      [null, 28, 28, 1],
      [null, 26, 26, 32],
      [null, 13, 13, 32],
      [null, 11, 11, 64],
      [null, 5, 5, 64],
      [null, 1600],
      [null, 1600],
      [null, 10],
    ]);
    assert.deepEqual(s.map((l) => l.params), [0, 320, 0, 18_496, 0, 0, 0, 16_010]);
    assert.equal(s[1].formula, '3 x 3 x 1 x 32 + 32 = 320');
    assert.equal(countParams(s).total, 34_826);
  });

  it('the Keras IMDB LSTM (embedding 10000x32, lstm 32, one sigmoid unit) has 328,353 parameters', () => {
    const layers: LayerSpec[] = [
      { type: 'embedding', inputDim: 10_000, outputDim: 32 },
      { type: 'lstm', units: 32 },
    ];
    const s = summarizeModel(specWith(layers), classification([500], 2));
    assert.deepEqual(s.map((l) => l.params), [0, 320_000, 8_320, 33]);
    assert.deepEqual(s[1].outputShape, [null, 500, 32]);
    assert.equal(countParams(s).total, 328_353);
  });

  it('batch normalization: 4 x channels, 2 x channels non-trainable', () => {
    const s = summarizeModel(specWith([{ type: 'dense', units: 16 }, { type: 'batchNormalization' }]), regression([3]));
    assert.equal(s[2].params, 64);
    assert.equal(s[2].nonTrainableParams, 32);
    assert.deepEqual(countParams(s), { total: 64 + 64 + 17, trainable: 64 + 32 + 17, nonTrainable: 32 });
  });

  it('regression outputs: one linear unit per target column', () => {
    const s = summarizeModel(specWith([]), regression([5], 3));
    const out = s[s.length - 1];
    assert.deepEqual([out.units, out.activation, out.params], [3, 'linear', 18]);
    assert.deepEqual(out.labels, ['t0', 't1', 't2']);
  });

  it('respects an output activation override', () => {
    const s = summarizeModel({ ...specWith([]), model: { layers: [], output: { activation: 'tanh' } } }, regression([2]));
    assert.equal(s[s.length - 1].activation, 'tanh');
  });

  it('reports an impossible shape with the layer index', () => {
    const bad = inferShapes([4, 4, 2], [{ type: 'dense', units: 3 }], {}, 2).issue;
    assert.ok(bad);
    assert.equal(bad.index, 2);
    assert.match(bad.message, /flatten/);
  });

  describe('agrees with TensorFlow.js on every layer type', () => {
    const cases: [string, DataDescription, LayerSpec[]][] = [
      ['dense without bias, dropout', classification([7], 3), [{ type: 'dense', units: 5, useBias: false }, { type: 'dropout', rate: 0.3 }, { type: 'dense', units: 4, activation: 'relu' }]],
      ['batch normalization', regression([6], 2), [{ type: 'dense', units: 8 }, { type: 'batchNormalization' }]],
      [
        'conv2d same padding and strides, average pooling, global pooling',
        classification([15, 17, 3], 4),
        [
          { type: 'conv2d', filters: 6, kernelSize: [3, 5], strides: 2, padding: 'same' },
          { type: 'averagePooling2d', poolSize: [2, 3], padding: 'same' },
          { type: 'conv2d', filters: 4, kernelSize: 2, strides: [1, 2] },
          { type: 'batchNormalization' },
          { type: 'globalAveragePooling2d' },
        ],
      ],
      [
        'reshape, max pooling with strides, flatten',
        classification([48], 2),
        [{ type: 'reshape', targetShape: [4, 6, 2] }, { type: 'maxPooling2d', poolSize: 3, strides: 1 }, { type: 'flatten' }, { type: 'dense', units: 3 }],
      ],
      ['simpleRNN', regression([12]), [{ type: 'reshape', targetShape: [4, 3] }, { type: 'simpleRNN', units: 7 }]],
      ['stacked lstm', classification([10], 3), [{ type: 'embedding', inputDim: 50, outputDim: 8 }, { type: 'lstm', units: 6, returnSequences: true }, { type: 'lstm', units: 5 }]],
      ['gru', classification([9], 2), [{ type: 'embedding', inputDim: 20, outputDim: 4 }, { type: 'gru', units: 6 }]],
      [
        'conv1d and global pooling 1d',
        classification([30], 5),
        [{ type: 'embedding', inputDim: 100, outputDim: 16 }, { type: 'conv1d', filters: 8, kernelSize: 5, strides: 2 }, { type: 'globalAveragePooling1d' }],
      ],
      ['conv1d same padding', regression([20]), [{ type: 'reshape', targetShape: [10, 2] }, { type: 'conv1d', filters: 3, kernelSize: 4, padding: 'same' }, { type: 'flatten' }]],
      [
        'maxPooling1d, globalMaxPooling1d, bidirectional lstm (concat) and gru (sum)',
        classification([12], 3),
        [
          { type: 'embedding', inputDim: 30, outputDim: 6 },
          { type: 'maxPooling1d', poolSize: 3 },
          { type: 'bidirectional', layer: { type: 'lstm', units: 5, returnSequences: true } },
          { type: 'bidirectional', layer: { type: 'gru', units: 4, returnSequences: true }, mergeMode: 'sum' },
          { type: 'globalMaxPooling1d' },
        ],
      ],
      ['repeatVector into an lstm', regression([5]), [{ type: 'dense', units: 4 }, { type: 'repeatVector', n: 3 }, { type: 'lstm', units: 2 }]],
      [
        'upSampling2d and conv2dTranspose (valid and same)',
        regression([4, 4, 2]),
        [
          { type: 'upSampling2d' },
          { type: 'conv2dTranspose', filters: 3, kernelSize: 3, strides: 2 },
          { type: 'conv2dTranspose', filters: 2, kernelSize: [2, 3], strides: 2, padding: 'same' },
          { type: 'upSampling2d', size: [1, 2] },
          { type: 'globalAveragePooling2d' },
        ],
      ],
    ];
    for (const [name, d, layers] of cases) it(name, () => checkAgainstTfjs(d, layers));
  });
});

describe('derived output with a chosen loss', () => {
  it('two classes with categoricalCrossentropy: two softmax units, as the engine builds it', () => {
    const spec: Spec = { ...specWith([]), training: { loss: 'categoricalCrossentropy' } };
    const s = summarizeModel(spec, classification([3], 2));
    const out = s[s.length - 1];
    assert.deepEqual([out.units, out.activation, out.params], [2, 'softmax', 8]);
    assert.deepEqual(out.labels, ['c0', 'c1']);
  });
});
