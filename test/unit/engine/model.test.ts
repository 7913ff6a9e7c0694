// Building networks from specs (in-process, pure-JS cpu backend) and the backend ladder's refusals.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { BackendError, findNativePackage, loadBackend } from '../../../src/engine/backends/index';
import { buildModel, compileModel, countParams, outputPlanOf, summarizeBuiltModel, type OutputPlan } from '../../../src/engine/model';
import { makePlan } from '../../../src/format/plan';
import type { DataDescription } from '../../../src/data/columns';
import { fileLoadHandler, fileSaveHandler } from '../../../src/engine/io';
import { loadRunModel } from '../../../src/engine/checkpoint';
import type { TF } from '../../../src/engine/tf';
import type { LayerSpec } from '../../../src/format/types';
import { REPO, scratch } from './helpers';

const BINARY: OutputPlan = { units: 1, activation: 'sigmoid', loss: 'binaryCrossentropy', targetMode: 'binary' };
const THREE: OutputPlan = { units: 3, activation: 'softmax', loss: 'categoricalCrossentropy', targetMode: 'onehot' };
const REGRESSION: OutputPlan = { units: 1, activation: 'linear', loss: 'meanSquaredError', targetMode: 'values' };

/** The engine's output layer, read from a plan made for this data. */
function outputFor(over: Partial<DataDescription>, training: { loss?: 'sparseCategoricalCrossentropy' } = {}, activation?: 'tanh'): OutputPlan {
  const description: DataDescription = { task: 'classification', features: [], inputNames: [], inputShape: [2], target: ['t'], classNames: ['a', 'b'], rowCount: 10, ...over };
  const spec = { data: { source: 'd.csv', target: 't' }, model: { layers: [], output: activation ? { activation } : undefined }, training };
  return outputPlanOf(makePlan(spec, { name: 'x', description, usableRows: 10 }));
}

describe('model building', function () {
  this.timeout(60_000);
  let tf: TF;
  before(async () => {
    ({ tf } = await loadBackend('cpu', { extensionRoot: REPO }));
  });

  it('derives the output layer and loss from the task', () => {
    assert.deepEqual(outputFor({}), BINARY);
    assert.deepEqual(outputFor({ classNames: ['a', 'b', 'c'] }), THREE);
    assert.deepEqual(outputFor({ classNames: ['a', 'b', 'c'] }, { loss: 'sparseCategoricalCrossentropy' }).targetMode, 'index');
    assert.deepEqual(outputFor({ task: 'regression', classNames: undefined, target: ['x', 'y'] }), { units: 2, activation: 'linear', loss: 'meanSquaredError', targetMode: 'values' });
    assert.equal(outputFor({}, {}, 'tanh').activation, 'tanh', 'model.output.activation overrides');
  });

  it('the course network 2-2-1 has 9 learnable parameters', () => {
    const model = buildModel(tf, { layers: [{ type: 'dense', units: 2, activation: 'sigmoid' }], output: BINARY, inputShape: [2], seed: 1 });
    assert.deepEqual(countParams(model), { trainable: 9, nonTrainable: 0, total: 9 });
    const summary = summarizeBuiltModel(model);
    assert.deepEqual(summary.map((l) => [l.name, l.type, l.params, l.derived]), [
      ['input', 'input', 0, 'input'],
      ['dense_1', 'dense', 6, undefined],
      ['output', 'dense', 3, 'output'],
    ]);
    assert.equal(summary[1].formula, '2 x 2 + 2 = 6');
    assert.equal(summary[1].code, undefined, 'only an autoencoder has a code layer');
    assert.equal(summary[2].activation, 'sigmoid');
    model.dispose();
  });

  it('seeds every initializer: same seed, same weights; another seed, other weights', () => {
    const build = (seed: number) =>
      buildModel(tf, { layers: [{ type: 'dense', units: 4, activation: 'relu' }, { type: 'dense', units: 3 }], output: BINARY, inputShape: [2], seed });
    const flat = (seed: number) => {
      const m = build(seed);
      const v = m.getWeights().flatMap((w) => Array.from(w.dataSync()));
      m.dispose();
      return v;
    };
    assert.deepEqual(flat(7), flat(7));
    assert.notDeepEqual(flat(7), flat(8));
  });

  it('builds every layer type of the format (images and sequences)', async () => {
    const image: LayerSpec[] = [
      { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
      { type: 'batchNormalization' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'conv2d', filters: 4, kernelSize: [3, 3], strides: 1, activation: 'gelu' },
      { type: 'averagePooling2d', poolSize: 1 },
      { type: 'globalAveragePooling2d' },
      { type: 'reshape', targetShape: [2, 2] },
      { type: 'flatten' },
      { type: 'dense', units: 5, activation: 'mish' },
      { type: 'dropout', rate: 0.2 },
      { type: 'dense', units: 5, activation: 'swish' },
    ];
    const m1 = buildModel(tf, { layers: image, output: THREE, inputShape: [8, 8, 1], seed: 3 });
    assert.deepEqual(m1.outputs[0].shape, [null, 3]);
    const sequence: LayerSpec[] = [
      { type: 'embedding', inputDim: 20, outputDim: 4 },
      { type: 'conv1d', filters: 3, kernelSize: 2, activation: 'relu' },
      { type: 'simpleRNN', units: 3, returnSequences: true },
      { type: 'gru', units: 3, returnSequences: true },
      { type: 'lstm', units: 3, returnSequences: true },
      { type: 'globalAveragePooling1d' },
    ];
    const m2 = buildModel(tf, { layers: sequence, output: REGRESSION, inputShape: [6], seed: 3 });
    assert.deepEqual(m2.outputs[0].shape, [null, 1]);
    compileModel(tf, m2, { ...REGRESSION, loss: 'huberLoss' }, { type: 'rmsprop', learningRate: 0.001 }, ['mae']);
    const res = await m2.trainOnBatch(tf.tensor2d([[1, 2, 3, 4, 5, 6]]), tf.tensor2d([[0.5]]));
    assert.ok(Array.isArray(res) && res.every(Number.isFinite));
    const layers1d: LayerSpec[] = [
      { type: 'embedding', inputDim: 20, outputDim: 4 },
      { type: 'maxPooling1d' },
      { type: 'bidirectional', layer: { type: 'lstm', units: 3, returnSequences: true } },
      { type: 'globalMaxPooling1d' },
      { type: 'repeatVector', n: 2 },
      { type: 'gru', units: 2 },
    ];
    const m3 = buildModel(tf, { layers: layers1d, output: THREE, inputShape: [6], seed: 3 });
    assert.deepEqual(m3.outputs[0].shape, [null, 3]);
    assert.equal(m3.layers[3].getClassName(), 'Bidirectional');
    const decoder: LayerSpec[] = [
      { type: 'conv2dTranspose', filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' },
      { type: 'upSampling2d', size: 2 },
      { type: 'flatten' },
    ];
    const m4 = buildModel(tf, { layers: decoder, output: REGRESSION, inputShape: [2, 2, 1], seed: 3 });
    assert.deepEqual(m4.layers[1].outputShape, [null, 4, 4, 2]);
    assert.deepEqual(m4.layers[2].outputShape, [null, 8, 8, 2]);
    compileModel(tf, m4, REGRESSION, { type: 'adam', learningRate: 0.01 }, ['mae']);
    const r4 = await m4.trainOnBatch(tf.zeros([1, 2, 2, 1]), tf.tensor2d([[0.5]]));
    assert.ok(Array.isArray(r4) && r4.every(Number.isFinite));
    for (const m of [m1, m2, m3, m4]) m.dispose();
  });

  it('every optimizer of the format compiles and steps', async () => {
    for (const type of ['sgd', 'momentum', 'adam', 'adamax', 'adagrad', 'adadelta', 'rmsprop'] as const) {
      const m = buildModel(tf, { layers: [], output: BINARY, inputShape: [2], seed: 1 });
      compileModel(tf, m, BINARY, { type, learningRate: 0.01 }, ['accuracy', 'precision', 'recall']);
      const r = (await m.trainOnBatch(tf.tensor2d([[1, 2]]), tf.tensor2d([[1]]))) as number[];
      assert.equal(r.length, 4, type);
      m.dispose();
    }
  });

  it('saves and loads through the file IOHandler, and transfers layers with freeze', async () => {
    const s = scratch();
    try {
      const base = buildModel(tf, {
        layers: [{ type: 'dense', units: 4, activation: 'relu' }, { type: 'dense', units: 3, activation: 'relu' }],
        output: THREE,
        inputShape: [2],
        seed: 2,
      });
      const runDir = path.join(s.dir, 'run');
      await base.save(fileSaveHandler(path.join(runDir, 'model')));
      const loaded = await tf.loadLayersModel(fileLoadHandler(path.join(runDir, 'model', 'model.json')));
      const x = tf.tensor2d([[0.3, -1.2]]);
      assert.deepEqual(Array.from((base.predict(x) as import('@tensorflow/tfjs-core').Tensor).dataSync()), Array.from((loaded.predict(x) as import('@tensorflow/tfjs-core').Tensor).dataSync()));

      const from = await loadRunModel(tf, runDir);
      const model = buildModel(tf, { layers: [{ type: 'dense', units: 2, activation: 'relu' }], output: BINARY, inputShape: [2], seed: 5, base: from, freeze: 1 });
      const names = model.layers.map((l) => l.name);
      assert.deepEqual(names.slice(0, 3), ['input', 'dense_1', 'dense_2']);
      assert.equal(model.layers[1].trainable, false);
      assert.equal(model.layers[2].trainable, true);
      assert.notEqual(names[3], 'dense_2', 'new layers get names of their own');
      const c = countParams(model);
      assert.equal(c.nonTrainable, 2 * 4 + 4);
      assert.equal(c.trainable, 4 * 3 + 3 + (3 * 2 + 2) + (2 + 1));
      assert.throws(
        () => buildModel(tf, { layers: [], output: BINARY, inputShape: [5], seed: 5, base: from }),
        /takes inputs of shape \[2\], but this data gives \[5\]/,
      );
    } finally {
      s.cleanup();
    }
  });
});

describe('backend ladder', function () {
  this.timeout(60_000);

  it('loads the pure-JS and wasm backends with their labels', async () => {
    const cpu = await loadBackend('cpu', { extensionRoot: REPO });
    assert.equal(cpu.report.label, 'CPU (JS)');
    // One thread: the threaded build's pthread workers would outlive the test and keep mocha's process
    // alive (the trainer leaves with process.exit; threads/threads.test.ts runs the threaded build in a child).
    const wasm = await loadBackend('wasm', { extensionRoot: REPO, threads: 1 });
    assert.equal(wasm.report.label, 'CPU (WASM)');
    assert.equal(wasm.tf.getBackend(), 'wasm');
    await loadBackend('cpu', { extensionRoot: REPO });
  });

  it('says why a native backend is missing, and where it looked', async () => {
    await assert.rejects(loadBackend('native', { extensionRoot: REPO, nativeBackendDir: '/opt/none' }), (e: Error) => {
      assert.ok(e instanceof BackendError);
      assert.match(e.message, /not installed: @tensorflow\/tfjs-node was not found in \/opt\/none, /);
      return true;
    });
    await assert.rejects(loadBackend('cuda', { extensionRoot: REPO }), /@tensorflow\/tfjs-node-gpu was not found/);
  });

  it('resolves native packages only inside the named folders, never from a parent (workspace) node_modules', () => {
    const s = scratch();
    try {
      const pkg = path.join(s.dir, 'node_modules', '@tensorflow', 'tfjs-node');
      mkdirSync(pkg, { recursive: true });
      writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node' }));
      const child = path.join(s.dir, 'ext');
      mkdirSync(child);
      assert.equal(findNativePackage('@tensorflow/tfjs-node', [child]), undefined);
      assert.equal(findNativePackage('@tensorflow/tfjs-node', [s.dir]), pkg);
      assert.equal(findNativePackage('@tensorflow/tfjs-node', [path.join(s.dir, 'node_modules')]), pkg);
    } finally {
      s.cleanup();
    }
  });
});
