// The kinds of learning through PyTorch: autoencoders (codes, k-means clusters, autoencoder.json, live
// codes), pseudo-labels (rounds, adoption, resume mid-run) and transfer learning (the base model read by
// train.py, frozen layers left as they were), each through the `torch` backend and `dlmodel predict --run`;
// train.py's k-means, PCA and cluster scores against dlmodel's own; and `dlmodel export` of each kind run
// by python and by torchrun (2 processes).
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TrainerEvent, TrainJob } from '../../../src/protocol/trainer';
import type { AutoencoderJson } from '../../../src/runs/autoencoder';
import type { PredictionsJson } from '../../../src/runs/types';
import { listRuns, readMetrics, readRun } from '../../../src/runs/folder';
import { kmeans } from '../../../src/common/kmeans';
import { to2d } from '../../../src/common/pca';
import { clusterReport } from '../../../src/common/clusters';
import { lastJsonLine, peopleCsv, REPO, runCli, runTrainer, scratch, spec, writeFiles } from '../engine/helpers';
import { runPython, useTorchTrainerEnv } from './torch-helpers';

function ofType<T extends TrainerEvent['type']>(events: TrainerEvent[], type: T): Extract<TrainerEvent, { type: T }>[] {
  return events.filter((e): e is Extract<TrainerEvent, { type: T }> => e.type === type);
}

/** Two kinds of flowers in four measurements (a `kind` label kept aside), and one odd row. */
function flowersCsv(n = 60): string {
  const lines = ['a,b,c,d,kind'];
  for (let i = 0; i < n; i++) {
    const big = i % 2 === 0;
    const j = ((i * 37) % 11) / 10 - 0.5;
    const v = big ? [6 + j, 3 + j / 2, 5 + j, 2 + j / 3] : [5 - j, 3.4 + j / 3, 1.5 + j / 4, 0.2 + j / 10];
    lines.push([...v.map((x) => x.toFixed(3)), big ? 'big' : 'small'].join(','));
  }
  return lines.join('\n') + '\n';
}

const AUTOENCODER = {
  task: 'autoencoder',
  data: { source: 'flowers.csv', label: 'kind', validationSplit: 0.2 },
  model: {
    layers: [
      { type: 'dense', units: 6, activation: 'tanh' },
      { type: 'dense', units: 3 },
      { type: 'dense', units: 6, activation: 'tanh' },
    ],
    clusters: 2,
  },
  training: { epochs: 4, batchSize: 8, learningRate: 0.01, seed: 3 },
  predict: { inputs: [{ a: 6, b: 3, c: 5, d: 2 }, { a: 5, b: 3.4, c: 5, d: 9 }] },
};

/** peopleCsv with the gender of every fourth row left out: unlabelled rows for pseudo-labels. */
function partlyLabelled(): string {
  return peopleCsv(60)
    .split('\n')
    .map((l, i) => (i > 0 && i % 4 === 0 && l ? l.replace(/,(man|woman)$/, ',') : l))
    .join('\n');
}

const PSEUDO = {
  data: { source: 'people.csv', target: 'gender' },
  model: { layers: [{ type: 'dense', units: 4, activation: 'tanh' }] },
  training: { epochs: 3, batchSize: 8, learningRate: 0.05, seed: 2, pseudoLabels: { threshold: 0.55, rounds: 2 } },
};

const BASE = {
  data: { source: 'people.csv', target: 'gender' },
  model: { layers: [{ type: 'dense', units: 4, activation: 'tanh' }, { type: 'dense', units: 3, activation: 'relu' }] },
  training: { epochs: 3, batchSize: 8, learningRate: 0.05, seed: 1 },
};

/** The float32 weights of a saved TensorFlow.js model, by name. */
function savedWeights(modelDir: string): Record<string, number[]> {
  const json = JSON.parse(readFileSync(path.join(modelDir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[]; weights: { name: string; shape: number[] }[] }[] };
  const out: Record<string, number[]> = {};
  for (const g of json.weightsManifest) {
    const buf = Buffer.concat(g.paths.map((p) => readFileSync(path.join(modelDir, p))));
    let at = 0;
    for (const w of g.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      out[w.name] = Array.from({ length: n }, (_, i) => buf.readFloatLE((at + i) * 4));
      at += n;
    }
  }
  return out;
}

function close(a: number[], b: number[], tol: number, what: string): void {
  assert.equal(a.length, b.length, what);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol, `${what}[${i}]: ${v} vs ${b[i]}`));
}

describe('torch backend: kinds of learning', function () {
  this.timeout(300_000);
  let s: ReturnType<typeof scratch>;
  useTorchTrainerEnv();
  beforeEach(() => {
    s = scratch();
    writeFiles(s.dir, {
      'flowers.csv': flowersCsv(),
      'people.csv': partlyLabelled(),
      'ae.dlmodel.json': spec(AUTOENCODER),
      'pseudo.dlmodel.json': spec(PSEUDO),
      'base.dlmodel.json': spec(BASE),
    });
  });
  afterEach(() => s.cleanup());

  function job(file: string, extra: Partial<TrainJob> = {}): TrainJob {
    return { kind: 'train', specPath: path.join(s.dir, file), backend: 'torch', progressIntervalMs: 0, weightsIntervalMs: 0, ...extra };
  }

  it('k-means, PCA and cluster purity in train.py are dlmodel\'s own (same points, same seed: same result)', async () => {
    // Three blobs in 5-D, and a tie-prone label column: deterministic points from a small generator.
    let g = 7;
    const rand = () => ((g = (g * 16807) % 2147483647) / 2147483647);
    const n = 90;
    const dims = 5;
    const points: number[] = [];
    const labels: string[] = [];
    for (let i = 0; i < n; i++) {
      const c = i % 3;
      for (let j = 0; j < dims; j++) points.push(c * 3 + (j === c ? 2 : 0) + rand());
      labels.push(rand() < 0.8 ? `L${c}` : `L${(c + 1) % 3}`);
    }
    const ts = kmeans(points, n, dims, 3, 41);
    const report = clusterReport(ts.assignments, labels, 3);
    const xy = to2d(points, n, dims);
    const input = path.join(s.dir, 'points.json');
    writeFileSync(input, JSON.stringify({ points, n, dims, labels }));
    const script = [
      'import json, sys, torch',
      `sys.path.insert(0, ${JSON.stringify(path.join(REPO, 'src', 'export', 'python'))})`,
      'import train',
      `d = json.load(open(${JSON.stringify(input)}))`,
      'p = torch.tensor(d["points"], dtype=torch.float64).reshape(d["n"], d["dims"])',
      'centres, assign = train.kmeans(p, 3, 41)',
      'print(json.dumps({"centroids": centres.tolist(), "assign": assign.tolist(), "xy": train.to_2d(p),',
      '  "report": train.cluster_report(assign.tolist(), d["labels"], 3, None)}))',
    ].join('\n');
    const r = await runPython(['-B', '-c', script]);
    assert.equal(r.code, 0, r.stderr);
    const py = JSON.parse(r.stdout) as { centroids: number[][]; assign: number[]; xy: number[][]; report: unknown };
    assert.deepEqual(py.assign, ts.assignments);
    py.centroids.forEach((c, i) => close(c, ts.centroids[i], 1e-9, `centroid ${i}`));
    py.xy.forEach((p, i) => close(p, xy[i], 1e-9, `point ${i} in 2-D`));
    assert.deepEqual(py.report, report);
  });

  it('an autoencoder: live codes, autoencoder.json with clusters, predictions dlmodel predict reproduces', async () => {
    const r = await runTrainer(job('ae.dlmodel.json'));
    assert.equal(r.exitCode, 0, r.stderr);
    const codes = ofType(r.events, 'codes');
    assert.deepEqual(codes.map((c) => c.epoch), [1, 2, 3, 4], 'the code space each epoch');
    assert.equal(codes[0].points.length, 60);
    assert.ok(codes[0].points.every((p) => (p.label === 'big' || p.label === 'small') && Number.isFinite(p.x) && Number.isFinite(p.y) && p.input.a !== undefined));
    assert.deepEqual(ofType(r.events, 'started')[0].layers.filter((l) => l.code).map((l) => l.name), ['dense_2'], 'the diagram marks the code layer');
    const fin = ofType(r.events, 'finished')[0];
    assert.equal(fin.status, 'completed');
    const dir = fin.runDir;
    const run = await readRun(dir);
    assert.equal(run.backend, 'torch-cpu');
    assert.equal(run.task, 'autoencoder');
    const metrics = await readMetrics(dir);
    assert.deepEqual(metrics.map((m) => m.epoch), [1, 2, 3, 4]);
    assert.ok(metrics.every((m) => Number.isFinite(m.loss) && Number.isFinite(m.val_loss)));

    const ae = JSON.parse(readFileSync(path.join(dir, 'autoencoder.json'), 'utf8')) as AutoencoderJson;
    assert.equal(ae.codeLayer, 'dense_2');
    assert.equal(ae.codeSize, 3);
    assert.equal(ae.projection, 'pca');
    assert.equal(ae.points.length, 60);
    assert.equal(ae.points.filter((p) => p.split === 'validation').length, 12);
    assert.equal(ae.clusters?.k, 2);
    assert.equal(ae.clusters?.seed, 3);
    assert.ok(ae.points.every((p) => p.cluster === 0 || p.cluster === 1));
    assert.ok(ae.report && ae.report.purity >= 0.5 && ae.report.purity <= 1, 'clusters scored against data.label');
    assert.deepEqual(ae.report.labels.slice().sort(), ['big', 'small']);
    assert.equal(ae.examples.length, 6);
    assert.equal(ae.unusual.length, 20);
    assert.equal(ae.unusual[0].original.length, 4, 'rows in their own units');
    assert.ok(ae.unusual[0].error >= ae.unusual[19].error, 'most unusual first');

    const torchPreds = JSON.parse(readFileSync(path.join(dir, 'predictions.json'), 'utf8')) as PredictionsJson;
    assert.equal(torchPreds.validation.length, 12);
    assert.ok(torchPreds.validation.every((p) => p.code?.length === 3 && typeof p.reconstructionError === 'number' && p.expected !== undefined));
    assert.equal(torchPreds.predict.length, 2);
    // TensorFlow.js on the converted model and autoencoder.json's centres: the same codes, errors, clusters.
    const p = await runCli(['predict', path.join(s.dir, 'ae.dlmodel.json'), '--run', dir, '--json']);
    assert.equal(p.code, 0, p.stderr);
    const tfjs = lastJsonLine(p.stdout).predictions as { code: number[]; reconstructionError: number; cluster: number }[];
    tfjs.forEach((q, i) => {
      const t = torchPreds.predict[i];
      close(q.code, t.code ?? [], 1e-4, `code of input ${i}`);
      assert.ok(Math.abs(q.reconstructionError - (t.reconstructionError ?? NaN)) <= 1e-4 * Math.max(1, q.reconstructionError), `error of input ${i}`);
      assert.equal(q.cluster, t.cluster);
    });
    assert.ok(tfjs[1].reconstructionError > tfjs[0].reconstructionError, 'the odd flower is less like the training rows');
  });

  it('a convolutional autoencoder on images: the output convolution gives back the image, TensorFlow.js agrees', async () => {
    // 30 of the example digits (0, 1 and 7), their folder as the label.
    for (const d of ['0', '1', '7']) {
      const from = path.join(REPO, 'examples', 'digits-mlp', 'digits', d);
      mkdirSync(path.join(s.dir, 'imgs', d), { recursive: true });
      for (const f of readdirSync(from).sort().slice(0, 10)) copyFileSync(path.join(from, f), path.join(s.dir, 'imgs', d, f));
    }
    const first7 = readdirSync(path.join(s.dir, 'imgs', '7'))[0];
    writeFiles(s.dir, {
      'conv.dlmodel.json': spec({
        task: 'autoencoder',
        data: { source: 'imgs', image: { width: 28, height: 28, channels: 1 }, label: 'digit', validationSplit: 0.2 },
        model: {
          layers: [
            { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
            { type: 'maxPooling2d', poolSize: 2 },
            { type: 'conv2d', filters: 2, kernelSize: 3, padding: 'same', activation: 'relu' },
            { type: 'upSampling2d', size: 2 },
          ],
          clusters: 3,
        },
        training: { epochs: 2, batchSize: 8, seed: 5 },
        predict: { inputs: [{ file: `imgs/7/${first7}` }] },
      }),
    });
    const r = await runTrainer(job('conv.dlmodel.json'));
    assert.equal(r.exitCode, 0, r.stderr);
    const fin = ofType(r.events, 'finished')[0];
    assert.equal(fin.status, 'completed');
    const ae = JSON.parse(readFileSync(path.join(fin.runDir, 'autoencoder.json'), 'utf8')) as AutoencoderJson;
    assert.deepEqual(ae.image, { width: 28, height: 28, channels: 1 });
    assert.equal(ae.codeSize, 14 * 14 * 2);
    assert.equal(ae.examples[0].reconstruction.length, 784);
    assert.ok(ae.examples[0].original.every((v) => v >= 0 && v <= 1), 'pixels in 0..1');
    const torchPred = (JSON.parse(readFileSync(path.join(fin.runDir, 'predictions.json'), 'utf8')) as PredictionsJson).predict[0];
    const p = await runCli(['predict', path.join(s.dir, 'conv.dlmodel.json'), '--run', fin.runDir, '--json']);
    assert.equal(p.code, 0, p.stderr);
    const q = (lastJsonLine(p.stdout).predictions as { code: number[]; reconstructionError: number; cluster: number }[])[0];
    close(q.code, torchPred.code ?? [], 1e-4, 'code');
    close([q.reconstructionError], [torchPred.reconstructionError ?? NaN], 1e-5, 'reconstruction error');
    assert.equal(q.cluster, torchPred.cluster);
  });

  it('pseudo-labels: rounds adopt unlabelled rows, metrics carry the round, and a stopped run resumes mid-round', async () => {
    // --epochs counts a round's epochs: 20 for the first fit and for each of the 2 rounds.
    const r = await runTrainer(job('pseudo.dlmodel.json', { epochs: 20 }), {
      onEvent(e, cancel) {
        if (e.type === 'epoch' && e.record.epoch === 21) cancel();
      },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const fin = ofType(r.events, 'finished')[0];
    assert.equal(fin.status, 'stopped');
    const k = fin.epochsDone;
    assert.ok(k >= 21 && k < 40, `stopped in round 1 (after epoch ${k})`);
    const rounds = ofType(r.events, 'round');
    assert.deepEqual(rounds.map((e) => [e.round, e.unlabelled]), [[1, 15]], 'round 1 began at epoch 21');
    const started = ofType(r.events, 'started')[0];
    assert.equal(started.epochs, 60);
    assert.deepEqual(started.samples, { train: 36, validation: 9 }, 'training and validation rows are labelled rows only');
    const dir = fin.runDir;

    const resumed = await runTrainer(job('pseudo.dlmodel.json', { resume: dir }));
    assert.equal(resumed.exitCode, 0, resumed.stderr);
    const rfin = ofType(resumed.events, 'finished')[0];
    assert.equal(rfin.status, 'completed');
    assert.equal(ofType(resumed.events, 'started')[0].initialEpoch, k);
    assert.deepEqual(ofType(resumed.events, 'round').map((e) => e.round), [2], 'round 1 is not adopted again');
    const metrics = await readMetrics(dir);
    assert.deepEqual(metrics.map((m) => m.epoch), Array.from({ length: 60 }, (_, i) => i + 1));
    assert.deepEqual(metrics.map((m) => m.round), Array.from({ length: 60 }, (_, i) => Math.floor(i / 20)));
    const run = await readRun(dir);
    assert.equal(run.epochsPerRound, 20);
    assert.equal(run.epochs, 60);
    assert.deepEqual(run.rounds?.map((x) => [x.round, x.unlabelled]), [[1, 15], [2, 15]]);
    assert.deepEqual(rfin.rounds?.map((x) => x.round), [1, 2]);
    assert.equal(rfin.rounds?.[0].adopted, rounds[0].adopted, 'the resumed run kept round 1 as it was');
    assert.ok((run.rounds?.[1].adopted ?? 0) > 0, 'a confident model adopts rows');
    assert.equal(run.plan?.epochs, 20, "the plan's epochs are a round's");
    const p = await runCli(['predict', path.join(s.dir, 'pseudo.dlmodel.json'), '--run', dir, '--input', path.join(s.dir, 'people.csv'), '--json']);
    assert.equal(p.code, 0, p.stderr);
  });

  it('transfer learning: train.py reads the base model, keeps the frozen layers as trained and predicts as TensorFlow.js', async () => {
    const base = await runTrainer(job('base.dlmodel.json', { backend: 'wasm' }));
    const baseDir = ofType(base.events, 'finished')[0].runDir;
    writeFiles(s.dir, {
      't.dlmodel.json': spec({
        data: { source: 'flowers.csv', target: 'kind', ignore: ['c', 'd'] },
        model: { from: path.relative(s.dir, baseDir), freeze: 1, layers: [{ type: 'dense', units: 2, activation: 'relu' }] },
        training: { epochs: 3, batchSize: 8, learningRate: 0.05, seed: 9 },
        predict: { inputs: [{ a: 6, b: 3 }] },
      }),
    });
    const r = await runTrainer(job('t.dlmodel.json'));
    assert.equal(r.exitCode, 0, r.stderr);
    const started = ofType(r.events, 'started')[0];
    assert.deepEqual(started.layers.slice(1).map((l) => [l.name, l.trainable]), [['dense_1', false], ['dense_2', true], ['dense_3', true], ['output', true]]);
    assert.equal(started.params.nonTrainable, 2 * 4 + 4);
    const dir = ofType(r.events, 'finished')[0].runDir;
    assert.ok(existsSync(path.join(dir, 'program', 'base', 'model.json')), 'the program carries its base model');
    const before = savedWeights(path.join(baseDir, 'model'));
    const after = savedWeights(path.join(dir, 'model'));
    assert.deepEqual(after['dense_1/kernel'], before['dense_1/kernel'], 'the frozen layer is the base\'s, bit for bit');
    assert.deepEqual(after['dense_1/bias'], before['dense_1/bias']);
    assert.notDeepEqual(after['dense_2/kernel'], before['dense_2/kernel'], 'the base layer above the frozen one learned');
    const p = await runCli(['predict', path.join(s.dir, 't.dlmodel.json'), '--run', dir, '--json']);
    assert.equal(p.code, 0, p.stderr);
    const torchOut = ofType(r.events, 'predictions')[0].predictions[0].output as number[];
    close((lastJsonLine(p.stdout).predictions as { output: number[] }[])[0].output, torchOut, 1e-4, 'TensorFlow.js vs PyTorch');
  });

  it('dlmodel export of each kind: python and torchrun (2 processes) train it to a run dlmodel predicts with', async () => {
    const base = await runTrainer(job('base.dlmodel.json', { backend: 'wasm', epochs: 1 }));
    const baseDir = ofType(base.events, 'finished')[0].runDir;
    writeFiles(s.dir, { 't.dlmodel.json': spec({ ...BASE, model: { from: path.relative(s.dir, baseDir), freeze: 2, layers: [] } }) });
    for (const [file, ddp] of [['ae.dlmodel.json', true], ['pseudo.dlmodel.json', true], ['t.dlmodel.json', false]] as const) {
      const specFile = path.join(s.dir, file);
      const ex = await runCli(['export', specFile, '--json']);
      assert.equal(ex.code, 0, ex.stderr);
      const { script } = lastJsonLine(ex.stdout) as { script: string };
      const single = await runPython([script, '--epochs', '2']);
      assert.equal(single.code, 0, `${file}: ${single.stderr}`);
      if (ddp) {
        const d = await runPython(['torchrun', '--standalone', '--nproc_per_node', '2', '--redirects', '1', '--tee', '1', script, '--epochs', '2'], { timeoutMs: 240_000 });
        assert.equal(d.code, 0, `${file}: ${d.stderr}${d.stdout}`);
      }
      const runs = await listRuns(specFile);
      assert.equal(runs.length, ddp ? 2 : 1, file);
      for (const { dir, run } of runs) {
        assert.equal(run.status, 'completed', file);
        const metrics = await readMetrics(dir);
        assert.equal(metrics.length, file === 'pseudo.dlmodel.json' ? 6 : 2, `${file}: 2 epochs${file === 'pseudo.dlmodel.json' ? ' per round' : ''}`);
        if (file === 'ae.dlmodel.json') assert.ok(existsSync(path.join(dir, 'autoencoder.json')));
        const args = ['predict', specFile, '--run', dir, '--json'];
        if (file !== 'ae.dlmodel.json') args.push('--input', path.join(s.dir, 'people.csv'));
        const p = await runCli(args);
        assert.equal(p.code, 0, `${file}: ${p.stderr}`);
      }
    }
  });
});
