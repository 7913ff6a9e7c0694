// The weights PyTorch trains, converted to TensorFlow.js Layers format, compute what PyTorch computes:
// for each layer type, a spec is exported, train.py trains it for an epoch, and the run's model/ loaded by
// TensorFlow.js predicts the validation rows as PyTorch did (predictions.json) to 1e-4.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadBackend } from '../../../src/engine/backends/index';
import { loadRunModel } from '../../../src/engine/checkpoint';
import type { TF } from '../../../src/engine/tf';
import type { PredictionsJson, PreprocessJson } from '../../../src/runs/types';
import { decodeOutput } from '../../../src/data/preprocess';
import { torchLayers, TORCH_LAYER_TYPES, torchUnsupported } from '../../../src/export/pytorch';
import { buildModel, outputPlanOf } from '../../../src/engine/model';
import { validateSpecFile } from '../../../src/format/validate';
import { LAYER_TYPES, type LayerSpec } from '../../../src/format/types';
import { REPO, runTrainer, scratch, spec, writeFiles } from '../engine/helpers';
import { runPython, torchMissing } from './torch-helpers';

/** n rows of `features` numeric columns (integers in 0..maxInt when given) and a class from their sum. */
function table(n: number, features: number, classes: number, maxInt?: number): string {
  const cols = Array.from({ length: features }, (_, j) => `f${j}`);
  const lines = [[...cols, 'label'].join(',')];
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < n; i++) {
    const v = cols.map(() => (maxInt !== undefined ? Math.floor(rand() * (maxInt + 1)) : Math.round((rand() * 4 - 2) * 1000) / 1000));
    const sum = v.reduce((a, b) => a + b, 0);
    lines.push([...v, `c${Math.abs(Math.floor(sum * 2.7)) % classes}`].join(','));
  }
  return lines.join('\n') + '\n';
}

const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** n rows of a number in words ("three one four") and its digits ("314"), 1 to 4 digits long, and a class. */
function digitsText(n: number): string {
  const lines = ['words,digits,kind'];
  let s = 777;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < n; i++) {
    const d = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => Math.floor(rand() * 10));
    lines.push(`${d.map((k) => DIGIT_WORDS[k]).join(' ')},${d.join('')},${d.length % 2 ? 'odd' : 'even'}`);
  }
  return lines.join('\n') + '\n';
}

interface Case {
  title: string;
  csv: string;
  layers: LayerSpec[];
  data?: Record<string, unknown>;
  training?: Record<string, unknown>;
  task?: string;
}

const CASES: Case[] = [
  {
    title: 'dense (with and without bias, every activation family), dropout, batchNormalization',
    csv: table(60, 6, 3),
    layers: [
      { type: 'dense', units: 5, activation: 'tanh', useBias: false },
      { type: 'dropout', rate: 0.2 },
      { type: 'batchNormalization' },
      { type: 'dense', units: 4, activation: 'gelu' },
      { type: 'dense', units: 4, activation: 'hardSigmoid' },
      { type: 'dense', units: 4, activation: 'selu' },
      { type: 'dense', units: 4, activation: 'mish' },
    ],
  },
  {
    title: 'reshape, conv2d (same, strides 2), maxPooling2d and averagePooling2d (same), batchNormalization on images, flatten',
    csv: table(50, 16, 2),
    layers: [
      { type: 'reshape', targetShape: [4, 4, 1] },
      { type: 'conv2d', filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 2, strides: 1, padding: 'same' },
      { type: 'batchNormalization' },
      { type: 'averagePooling2d', poolSize: 2, strides: 1, padding: 'same' },
      { type: 'flatten' },
    ],
  },
  {
    title: 'conv2d (valid, kernel 2 x 3), maxPooling2d, globalAveragePooling2d',
    csv: table(50, 30, 3),
    layers: [
      { type: 'reshape', targetShape: [5, 6, 1] },
      { type: 'conv2d', filters: 4, kernelSize: [2, 3], activation: 'elu' },
      { type: 'averagePooling2d', poolSize: 2 },
      { type: 'globalAveragePooling2d' },
    ],
  },
  {
    title: 'flatten after a convolution with several channels (TensorFlow.js lays values out channels last)',
    csv: table(50, 18, 3),
    layers: [
      { type: 'reshape', targetShape: [3, 3, 2] },
      { type: 'conv2d', filters: 3, kernelSize: 2, activation: 'linear' },
      { type: 'flatten' },
      { type: 'dense', units: 3, activation: 'relu6' },
    ],
  },
  {
    title: 'embedding, conv1d (same; valid with strides 2), maxPooling1d (valid), globalAveragePooling1d',
    csv: table(60, 8, 3, 9),
    data: { normalize: 'none' },
    layers: [
      { type: 'embedding', inputDim: 10, outputDim: 4 },
      { type: 'conv1d', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' },
      { type: 'conv1d', filters: 4, kernelSize: 2, strides: 2, activation: 'tanh' },
      { type: 'maxPooling1d' },
      { type: 'globalAveragePooling1d' },
    ],
  },
  {
    title: 'maxPooling1d (same), globalMaxPooling1d, repeatVector, upSampling2d',
    csv: table(60, 12, 3),
    layers: [
      { type: 'reshape', targetShape: [6, 2] },
      { type: 'maxPooling1d', poolSize: 2, strides: 1, padding: 'same' },
      { type: 'globalMaxPooling1d' },
      { type: 'repeatVector', n: 4 },
      { type: 'reshape', targetShape: [2, 2, 2] },
      { type: 'upSampling2d' },
      { type: 'flatten' },
    ],
  },
  {
    title: 'simpleRNN, lstm and gru (returnSequences), with TensorFlow.js gates',
    csv: table(50, 12, 2),
    layers: [
      { type: 'reshape', targetShape: [4, 3] },
      { type: 'simpleRNN', units: 5, returnSequences: true },
      { type: 'lstm', units: 4, returnSequences: true },
      { type: 'gru', units: 3 },
    ],
  },
  {
    title: 'bidirectional (lstm concat with returnSequences, gru sum, simpleRNN ave): backward outputs in the sequence order',
    csv: table(60, 12, 3),
    layers: [
      { type: 'reshape', targetShape: [4, 3] },
      { type: 'bidirectional', layer: { type: 'lstm', units: 3, returnSequences: true } },
      { type: 'bidirectional', layer: { type: 'gru', units: 2, returnSequences: true }, mergeMode: 'sum' },
      { type: 'bidirectional', layer: { type: 'simpleRNN', units: 2, activation: 'relu' }, mergeMode: 'ave' },
    ],
  },
  {
    title: 'bidirectional lstm (mul, last state) on an embedded text',
    csv: digitsText(60),
    data: { target: 'kind', text: { column: 'words', tokens: 'words' } },
    layers: [
      { type: 'embedding', outputDim: 4 },
      { type: 'bidirectional', layer: { type: 'lstm', units: 3 }, mergeMode: 'mul' },
    ],
  },
  {
    title: 'conv2dTranspose (same with strides 2, valid with a kernel smaller than the strides, same with an even kernel)',
    csv: table(50, 4, 2),
    layers: [
      { type: 'reshape', targetShape: [2, 2, 1] },
      { type: 'conv2dTranspose', filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' },
      { type: 'conv2dTranspose', filters: 2, kernelSize: [1, 2], strides: [2, 3] },
      { type: 'conv2dTranspose', filters: 1, kernelSize: [4, 3], strides: 2, padding: 'same', useBias: false },
      { type: 'conv2dTranspose', filters: 2, kernelSize: 3, padding: 'valid', activation: 'relu' },
      { type: 'flatten' },
    ],
  },
  {
    title: 'a sequence task: words to characters, the derived softmax at every position (timeDistributed)',
    csv: digitsText(80),
    task: 'sequence',
    data: { target: 'digits', text: { column: 'words', tokens: 'words' }, targetText: { tokens: 'characters' } },
    layers: [
      { type: 'embedding', outputDim: 6 },
      { type: 'gru', units: 8 },
      { type: 'repeatVector' },
      { type: 'lstm', units: 8, returnSequences: true },
    ],
  },
  {
    title: 'regression with two targets (linear output, values in the targets’ units)',
    csv: table(50, 4, 2).replace(/c(\d)$/gm, '$1.5'),
    data: { target: ['f3', 'label'], features: ['f0', 'f1', 'f2'] },
    layers: [{ type: 'dense', units: 6, activation: 'softplus' }, { type: 'dense', units: 4, activation: 'swish' }],
    training: { loss: 'meanSquaredError' },
  },
];

describe('PyTorch weights in TensorFlow.js (train.py)', function () {
  this.timeout(300_000);
  let tf: TF;
  before(async function () {
    const missing = torchMissing();
    if (missing) {
      console.warn(`      skipped: ${missing}`);
      this.skip();
    }
    ({ tf } = await loadBackend('cpu', { extensionRoot: REPO }));
  });

  for (const c of CASES) {
    it(c.title, async () => {
      const s = scratch();
      try {
        const body = {
          ...(c.task ? { task: c.task } : {}),
          data: { source: 'd.csv', target: 'label', ...c.data },
          model: { layers: c.layers },
          training: { epochs: 1, batchSize: 8, seed: 3, ...c.training },
        };
        writeFiles(s.dir, { 'd.csv': c.csv, 'x.dlmodel.json': spec(body) });
        const out = path.join(s.dir, 'program');
        const ex = await runTrainer({ kind: 'export', specPath: path.join(s.dir, 'x.dlmodel.json'), to: 'pytorch', outDir: out });
        assert.equal(ex.exitCode, 0, JSON.stringify(ex.events.filter((e) => e.type === 'failed')) + ex.stderr);
        const py = await runPython([path.join(out, 'train.py'), '--runs', path.join(s.dir, 'runs')]);
        assert.equal(py.code, 0, py.stderr + py.stdout);
        const [runId] = readdirSync(path.join(s.dir, 'runs'));
        const runDir = path.join(s.dir, 'runs', runId);
        const torchOut = JSON.parse(readFileSync(path.join(runDir, 'predictions.json'), 'utf8')) as PredictionsJson;

        // The same validation rows, as exported, through TensorFlow.js on the converted weights.
        const meta = JSON.parse(readFileSync(path.join(out, 'data', 'data.json'), 'utf8'));
        const split = JSON.parse(readFileSync(path.join(out, 'data', 'split.json'), 'utf8')) as { validation: number[] };
        const raw = readFileSync(path.join(out, 'data', meta.inputs.file));
        const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
        const size = meta.inputShape.reduce((a: number, b: number) => a * b, 1);
        const rows = split.validation;
        assert.ok(rows.length >= 5);
        const x = new Float32Array(rows.length * size);
        rows.forEach((r, i) => x.set(all.subarray(r * size, (r + 1) * size), i * size));
        const model = await loadRunModel(tf, runDir);
        const pred = model.predict(tf.tensor(x, [rows.length, ...meta.inputShape])) as import('@tensorflow/tfjs-core').Tensor;
        const tfjsOut = (await pred.array()) as number[][];
        const pre = JSON.parse(readFileSync(path.join(runDir, 'preprocess.json'), 'utf8')) as PreprocessJson;
        let worst = 0;
        if (pre.targetText) {
          // A sequence: predictions.json holds the decoded text and its probability (the product of the
          // chosen ids' probabilities, small after one epoch): the same text, the same probability to 1e-4
          // of itself.
          rows.forEach((_, i) => {
            const mine = decodeOutput(pre, (tfjsOut[i] as unknown as number[][]).flat());
            assert.equal(torchOut.validation[i].output, mine.output, `row ${i}: the decoded text`);
            const want = mine.confidence ?? NaN;
            worst = Math.max(worst, Math.abs((torchOut.validation[i].confidence ?? NaN) - want) / (1e-4 * want));
          });
        }
        if (!pre.targetText) rows.forEach((_, i) => {
          const torchRow = torchOut.validation[i].output as number[];
          const scale = pre.targetScale;
          tfjsOut[i].forEach((v, j) => {
            const tfjsValue = scale ? v * scale.std[j] + scale.mean[j] : v;
            // predictions.json holds probabilities as [1 - p, p] for one sigmoid unit.
            const torchValue = torchRow.length === tfjsOut[i].length ? torchRow[j] : torchRow[j + 1];
            const tol = 1e-4 * Math.max(1, scale ? Math.abs(scale.std[j]) : 1);
            worst = Math.max(worst, Math.abs(tfjsValue - torchValue) / tol);
          });
        });
        assert.ok(worst <= 1, `TensorFlow.js and PyTorch disagree by ${worst}e-4 (relative to the tolerance)`);
      } finally {
        s.cleanup();
      }
    });
  }
});

describe('plan to program', function () {
  this.timeout(60_000);
  let tf: TF;
  before(async () => {
    ({ tf } = await loadBackend('cpu', { extensionRoot: REPO }));
  });

  it('train.py builds every layer type of the format, or the type is refused by name', () => {
    const unsupported = LAYER_TYPES.filter((t) => !TORCH_LAYER_TYPES.has(t));
    for (const t of unsupported) {
      const msg = torchUnsupported({ data: { target: 'y' }, model: { layers: [{ type: t }] } } as never);
      assert.equal(msg, `model.layers[0] (${t}): not supported by the torch backend yet`);
    }
    const pyText = readFileSync(path.join(REPO, 'src', 'export', 'python', 'train.py'), 'utf8');
    for (const t of TORCH_LAYER_TYPES) assert.ok(pyText.includes(`"${t}"`), `train.py's make_layer names ${t}`);
  });

  it('every layer train.py builds has a conversion test above (PyTorch forward = TensorFlow.js forward)', () => {
    const tested = new Set<string>();
    const visit = (l: LayerSpec) => {
      tested.add(l.type);
      if (l.layer) visit(l.layer);
    };
    for (const c of CASES) c.layers.forEach(visit);
    const untested = [...TORCH_LAYER_TYPES].filter((t) => !tested.has(t));
    assert.deepEqual(untested, [], `no conversion test for ${untested.join(', ')}`);
  });

  it('a sequence task is not refused, and a bidirectional layer carries its inner layer and TensorFlow.js name', async () => {
    const s = scratch();
    try {
      writeFiles(s.dir, {
        'd.csv': digitsText(40),
        'x.dlmodel.json': spec({
          task: 'sequence',
          data: { source: 'd.csv', target: 'digits', text: { column: 'words', tokens: 'words' }, targetText: { tokens: 'characters' } },
          model: { layers: [{ type: 'embedding', outputDim: 4 }, { type: 'bidirectional', layer: { type: 'gru', units: 3 } }, { type: 'repeatVector' }, { type: 'simpleRNN', units: 3, returnSequences: true }] },
        }),
      });
      const { plan, spec: parsed } = await validateSpecFile(path.join(s.dir, 'x.dlmodel.json'), undefined, { trusted: true });
      assert.ok(plan && parsed);
      assert.equal(torchUnsupported(parsed as never), undefined);
      const hidden = plan.layers.filter((l) => !l.derived) as LayerSpec[];
      const model = buildModel(tf, { layers: hidden, output: outputPlanOf(plan), inputShape: plan.inputShape, seed: 1 });
      const layers = torchLayers(plan, model);
      const bi = layers[1];
      assert.equal(bi.className, 'Bidirectional');
      assert.equal(bi.mergeMode, 'concat');
      assert.equal(bi.layer?.type, 'gru');
      assert.equal(bi.layer?.units, 3);
      assert.ok(bi.innerName, 'the inner layer has its TensorFlow.js name');
      const names = model.layers[2].weights.map((w) => w.name);
      assert.ok(names.includes(`${bi.name}/forward_${bi.innerName}/kernel`) && names.includes(`${bi.name}/backward_${bi.innerName}/bias`), names.join(', '));
      const out = layers[layers.length - 1];
      assert.equal(out.type, 'timeDistributed');
      assert.equal(out.layer?.activation, 'softmax');
      assert.deepEqual(out.outputShape, [plan.layers[3].outputShape[0], out.layer?.units]);
    } finally {
      s.cleanup();
    }
  });

  it('each layer carries every option from the plan, with its TensorFlow.js class and index', async () => {
    const s = scratch();
    try {
      writeFiles(s.dir, {
        'd.csv': table(30, 36, 3),
        'x.dlmodel.json': spec({
          data: { source: 'd.csv', target: 'label' },
          model: { layers: [{ type: 'reshape', targetShape: [6, 6, 1] }, { type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'maxPooling2d' }, { type: 'flatten' }, { type: 'dropout', rate: 0.3 }] },
        }),
      });
      const { plan } = await validateSpecFile(path.join(s.dir, 'x.dlmodel.json'), undefined, { trusted: true });
      assert.ok(plan);
      const hidden = plan.layers.filter((l) => !l.derived) as LayerSpec[];
      const model = buildModel(tf, { layers: hidden, output: outputPlanOf(plan), inputShape: plan.inputShape, seed: 1 });
      const layers = torchLayers(plan, model);
      assert.deepEqual(layers.map((l) => l.type), ['reshape', 'conv2d', 'maxPooling2d', 'flatten', 'dropout', 'dense']);
      const conv = layers[1];
      assert.equal(conv.className, 'Conv2D');
      assert.equal(conv.tfjsIndex, 2, 'the input layer is index 0, as in the model TensorFlow.js builds');
      assert.deepEqual(conv.outputShape, [4, 4, 2]);
      for (const k of ['filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias']) assert.ok(conv[k as keyof typeof conv] !== undefined, `conv2d has ${k}`);
      assert.ok(layers[2].poolSize !== undefined && layers[2].strides !== undefined, 'pooling defaults filled in');
      assert.equal(layers[5].derived, 'output');
      assert.equal(layers[5].activation, 'softmax');
      assert.equal(layers[5].units, 3);
    } finally {
      s.cleanup();
    }
  });
});
