// The other kinds of learning through the real trainer process: autoencoders (codes, reconstruction
// errors, clusters, prediction) and pseudo-labels (rounds, resume mid-round); and the derived output layer
// of an autoencoder.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TrainJob } from '../../../src/protocol/trainer';
import type { PredictionsJson, PreprocessJson } from '../../../src/runs/types';
import type { AutoencoderJson } from '../../../src/runs/autoencoder';
import { listRuns, readMetrics, readRun } from '../../../src/runs/folder';
import { makePlan, outputLayer, targetModeOf } from '../../../src/format/plan';
import type { DataDescription } from '../../../src/data/columns';
import type { LayerSpec, Spec } from '../../../src/format/types';
import { buildBundles, lastJsonLine, ofType, peopleCsv, runCli, runTrainer, scratch, spec, writeFiles } from './helpers';

/** Three well-separated kinds of 4-value rows, 30 of each, with their kind as a label column. */
function kindsCsv(): string {
  const lines = ['a,b,c,d,kind'];
  const centres = [[1, 0, 0, 1], [0, 1, 1, 0], [1, 1, 0, 0]];
  for (let i = 0; i < 90; i++) {
    const k = i % 3;
    const wobble = (j: number) => (((i * 7 + j * 13) % 9) - 4) / 80;
    lines.push([...centres[k].map((v, j) => (v + wobble(j)).toFixed(3)), `k${k}`].join(','));
  }
  return lines.join('\n') + '\n';
}

const AE = {
  task: 'autoencoder',
  data: { source: 'kinds.csv', label: 'kind' },
  model: { layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 2 }, { type: 'dense', units: 8, activation: 'relu' }], clusters: 3 },
  training: { epochs: 60, batchSize: 16, learningRate: 0.01, seed: 3 },
  predict: { inputs: [{ a: 1, b: 0, c: 0, d: 1 }, { a: 6, b: -4, c: 5, d: 6 }] },
};

describe('autoencoder output layer (the plan)', () => {
  const table: DataDescription = { task: 'autoencoder', features: [], inputNames: ['a', 'b', 'c', 'd'], inputShape: [4], target: [], rowCount: 10 };
  const image: DataDescription = { ...table, inputNames: [], inputShape: [28, 28, 1], image: { width: 28, height: 28, channels: 1 } };
  const plan = (layers: LayerSpec[], d: DataDescription, data: Record<string, unknown> = {}) =>
    makePlan({ task: 'autoencoder', data: { rows: [{}], ...data }, model: { layers } } as Spec, { name: 'ae', description: d, usableRows: 10 });
  const dense = [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 2 }, { type: 'dense', units: 8, activation: 'relu' }] as LayerSpec[];

  it('reproduces a standardized table linearly, with mean squared error, and marks the narrowest layer as the code', () => {
    const p = plan(dense, table);
    const out = p.layers[p.layers.length - 1];
    assert.deepEqual([out.type, out.units, out.activation, out.outputShape], ['dense', 4, 'linear', [4]]);
    assert.equal(p.loss, 'meanSquaredError');
    assert.deepEqual(p.metrics, []);
    assert.equal(targetModeOf(p), 'input');
    assert.equal(p.codeLayer, 'dense_2');
    assert.deepEqual(p.layers.filter((l) => l.code).map((l) => l.name), ['dense_2']);
  });

  it('uses sigmoid for inputs scaled to 0..1: minmax tables and images', () => {
    assert.equal(outputLayer(plan(dense, table, { normalize: 'minmax' })).activation, 'sigmoid');
    const p = plan([{ type: 'flatten' }, { type: 'dense', units: 16 }, { type: 'dense', units: 64 }] as LayerSpec[], image);
    assert.deepEqual([outputLayer(p).units, outputLayer(p).activation], [784, 'sigmoid']);
  });

  it('ends a convolutional autoencoder back at the input\'s size with a convolution to its channels', () => {
    const conv = [
      { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'upSampling2d', size: 2 },
    ] as LayerSpec[];
    const out = outputLayer(plan(conv, image));
    assert.deepEqual([out.type, out.filters, out.activation, out.outputShape, out.params], ['conv2d', 1, 'sigmoid', [28, 28, 1], 3 * 3 * 8 + 1]);
    assert.throws(() => plan(conv.slice(0, 2), image), /input's height and width \(28 x 28\), but it gives \[14, 14, 8\]/);
  });

  it('keeps an explicit output activation', () => {
    const p = makePlan({ task: 'autoencoder', data: { rows: [{}] }, model: { layers: dense, output: { activation: 'tanh' } } } as Spec, { name: 'ae', description: table, usableRows: 10 });
    assert.equal(outputLayer(p).activation, 'tanh');
  });
});

describe('trainer: autoencoders and pseudo-labels', function () {
  this.timeout(180_000);
  let s: ReturnType<typeof scratch>;
  before(async () => {
    await buildBundles();
  });
  beforeEach(() => {
    s = scratch();
  });
  afterEach(() => s.cleanup());

  function job(file: string, extra: Partial<TrainJob> = {}): TrainJob {
    return { kind: 'train', specPath: path.join(s.dir, file), backend: 'wasm', progressIntervalMs: 0, weightsIntervalMs: 0, ...extra };
  }

  it('an autoencoder learns codes, clusters them by kind, and flags an unusual input', async () => {
    writeFiles(s.dir, { 'kinds.csv': kindsCsv(), 'ae.dlmodel.json': spec(AE) });
    const r = await runTrainer(job('ae.dlmodel.json'));
    assert.equal(r.exitCode, 0, r.stderr);
    const started = ofType(r.events, 'started')[0];
    assert.deepEqual(started.layers.map((l) => l.outputShape[1]), [4, 8, 2, 8, 4], 'the output has the input\'s 4 values');
    const dir = started.runDir;
    const pre = JSON.parse(readFileSync(path.join(dir, 'preprocess.json'), 'utf8')) as PreprocessJson;
    assert.equal(pre.task, 'autoencoder');
    assert.deepEqual(pre.inputNames, ['a', 'b', 'c', 'd'], 'the label is no input');
    const ae = JSON.parse(readFileSync(path.join(dir, 'autoencoder.json'), 'utf8')) as AutoencoderJson;
    assert.equal(ae.codeLayer, 'dense_2');
    assert.equal(ae.codeSize, 2);
    assert.equal(ae.points.length, 90);
    assert.equal(ae.clusters?.k, 3);
    assert.ok((ae.report?.purity ?? 0) > 0.9, `purity ${ae.report?.purity}`);
    const preds = JSON.parse(readFileSync(path.join(dir, 'predictions.json'), 'utf8')) as PredictionsJson;
    assert.equal(preds.validation.length, 18);
    for (const p of preds.validation) {
      assert.equal(p.code?.length, 2);
      assert.ok(p.reconstructionError !== undefined && p.reconstructionError >= 0);
      assert.ok(p.cluster !== undefined && p.cluster >= 0 && p.cluster < 3);
      assert.match(String(p.expected), /^k[012]$/);
    }
    const [usual, odd] = preds.predict;
    assert.ok((odd.reconstructionError ?? 0) > 20 * (usual.reconstructionError ?? Infinity), `${odd.reconstructionError} vs ${usual.reconstructionError}`);

    const cli = await runCli(['predict', path.join(s.dir, 'ae.dlmodel.json'), '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    const out = lastJsonLine(cli.stdout).predictions as Record<string, unknown>[];
    assert.deepEqual(Object.keys(out[0]).sort(), ['cluster', 'code', 'input', 'reconstructionError']);
    assert.equal(out[0].cluster, usual.cluster);
  });

  it('pseudo-labels: rounds adopt unlabelled rows, metrics carry the round, a stopped run resumes mid-round', async () => {
    // 40 people, only the first 12 with their gender: 28 unlabelled rows.
    const lines = peopleCsv(40).trim().split('\n');
    const csv = [lines[0], ...lines.slice(1).map((l, i) => (i < 12 ? l : l.replace(/,(man|woman)$/, ',')))].join('\n') + '\n';
    const semi = {
      data: { source: 'p.csv', target: 'gender', validationSplit: 0.25 },
      model: { layers: [{ type: 'dense', units: 4, activation: 'relu' }] },
      training: { epochs: 3, batchSize: 1, learningRate: 0.05, seed: 2, pseudoLabels: { threshold: 0.6, rounds: 2 } },
    };
    writeFiles(s.dir, { 'p.csv': csv, 's.dlmodel.json': spec(semi) });
    const specPath = path.join(s.dir, 's.dlmodel.json');
    let killed = false;
    const first = await runTrainer(job('s.dlmodel.json'), {
      onEvent(e, _cancel, kill) {
        if (e.type === 'epoch' && e.record.epoch === 4 && !killed) {
          killed = true;
          kill();
        }
      },
    });
    assert.equal(first.signal, 'SIGKILL');
    const started = ofType(first.events, 'started')[0];
    assert.deepEqual(started.samples, { train: 9, validation: 3 }, 'validation from the 12 labelled rows only');
    assert.equal(started.epochs, 9, '3 epochs for the first fit and for each of 2 rounds');
    const adoptedBefore = first.events.filter((e) => e.type === 'log' && /^round 1: adopted/.test(e.message));
    assert.equal(adoptedBefore.length, 1);

    const [run] = await listRuns(specPath);
    const resumed = await runTrainer(job('s.dlmodel.json', { resume: run.dir }));
    assert.equal(resumed.exitCode, 0, resumed.stderr);
    assert.ok(ofType(resumed.events, 'started')[0].initialEpoch >= 4);
    // A round whose first epoch was done before the stop keeps its adopted rows (from the checkpoint); the
    // rounds after it adopt in the resumed run. (The kill lands a little after epoch 5: where exactly varies.)
    const initial = ofType(resumed.events, 'started')[0].initialEpoch;
    const logs = resumed.events.filter((e) => e.type === 'log').map((e) => (e as { message: string }).message);
    for (const round of [1, 2]) {
      const adoptedHere = logs.some((m) => new RegExp(`^round ${round}: adopted \\d+ of 28 unlabelled rows`).test(m));
      assert.equal(adoptedHere, round * 3 + 1 > initial, `round ${round}, resumed after epoch ${initial}: ${logs.join(' | ')}`);
    }
    const metrics = await readMetrics(run.dir);
    assert.deepEqual(metrics.map((m) => m.epoch), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(metrics.map((m) => m.round), [0, 0, 0, 1, 1, 1, 2, 2, 2]);
    const saved = await readRun(run.dir);
    assert.deepEqual(saved.rounds?.map((x) => x.round), [1, 2]);
    const fin = ofType(resumed.events, 'finished')[0];
    assert.deepEqual(fin.rounds, saved.rounds);
    assert.ok((saved.rounds ?? []).every((x) => x.adopted >= 0 && x.adopted <= 28));
  });

  it('refuses the new fields where they make no sense, with the place, and writes no run folder', async () => {
    writeFiles(s.dir, { 'kinds.csv': kindsCsv(), 'p.csv': peopleCsv(10) });
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['ae-target', { ...AE, data: { source: 'kinds.csv', target: 'kind' } }, /"data", *"target"|an autoencoder has no target/],
      ['clusters-no-ae', { data: { source: 'kinds.csv', target: 'kind' }, model: { layers: [], clusters: 3 } }, /"clusters" groups the codes of an autoencoder/],
      ['clusters-too-many', { ...AE, model: { ...AE.model, clusters: 91 } }, /91 clusters, but the data has only 90 rows/],
      ['pseudo-regression', { task: 'regression', data: { source: 'p.csv', target: 'weight' }, model: { layers: [] }, training: { pseudoLabels: { threshold: 0.9, rounds: 1 } } }, /need a classification, not a regression/],
      ['pseudo-none', { data: { source: 'p.csv', target: 'gender' }, model: { layers: [] }, training: { pseudoLabels: { threshold: 0.9, rounds: 1 } } }, /no unlabelled rows to adopt/],
      ['label-feature', { ...AE, data: { source: 'kinds.csv', label: 'a', features: ['a', 'b'] } }, /"a" is listed in "features"/],
    ];
    for (const [name, body, message] of cases) {
      writeFiles(s.dir, { [`${name}.dlmodel.json`]: spec(body) });
      const r = await runCli(['train', path.join(s.dir, `${name}.dlmodel.json`), '--json']);
      assert.equal(r.code, 2, `${name}: ${r.stdout}${r.stderr}`);
      const out = lastJsonLine(r.stdout) as { errors: { path: (string | number)[]; line: number; message: string }[] };
      assert.ok(out.errors.some((e) => message.test(e.message)), `${name}: ${JSON.stringify(out.errors)}`);
      assert.ok(out.errors.every((e) => e.line > 1), `${name}: a place inside the spec`);
    }
    assert.equal(existsSync(path.join(s.dir, '.dlmodel')), false, 'no run folder');
  });
});
