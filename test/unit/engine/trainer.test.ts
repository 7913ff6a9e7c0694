// The real trainer process, forked through engine/client.ts as the extension and the command line do.
// Small data and few epochs: each case takes a second or two on the wasm backend.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TrainJob } from '../../../src/protocol/trainer';
import type { PredictionsJson, PreprocessJson } from '../../../src/runs/types';
import { listRuns, readMetrics, readRun } from '../../../src/runs/folder';
import { resolveSavedDir } from '../../../src/engine/io';
import { buildBundles, lastJsonLine, ofType, peopleCsv, REPO, runCli, runTrainer, scratch, spec, writeFiles } from './helpers';

const GENDER = {
  data: { source: 'people.csv', target: 'gender' },
  model: { layers: [{ type: 'dense', units: 2, activation: 'sigmoid' }] },
  training: { epochs: 5, batchSize: 8, learningRate: 0.05, seed: 1 },
  predict: { inputs: [{ weight: 58, height: 162 }] },
};

describe('trainer process', function () {
  this.timeout(120_000);
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

  it('trains and writes the run folder the format describes', async () => {
    writeFiles(s.dir, { 'people.csv': peopleCsv(), 'g.dlmodel.json': spec(GENDER) });
    const r = await runTrainer(job('g.dlmodel.json'));
    assert.equal(r.exitCode, 0, r.stderr);
    const types = r.events.map((e) => e.type).filter((t) => t !== 'batch' && t !== 'weights' && t !== 'log');
    assert.deepEqual(types, ['started', 'epoch', 'epoch', 'epoch', 'epoch', 'epoch', 'predictions', 'finished']);
    const started = ofType(r.events, 'started')[0];
    assert.equal(started.params.total, 9, '2 inputs, 2 hidden, 1 output: 9 parameters');
    assert.equal(started.backend.label, 'CPU (WASM)');
    assert.deepEqual(started.samples, { train: 32, validation: 8 });
    assert.ok(ofType(r.events, 'batch').length > 0);
    const weights = ofType(r.events, 'weights');
    assert.ok(weights.length > 0);
    const hidden = weights[weights.length - 1].layers.find((l) => l.name === 'dense_1');
    assert.deepEqual(hidden?.kernelShape, [2, 2]);
    assert.equal(hidden?.kernel?.length, 4);
    assert.equal(hidden?.bias?.length, 2);

    const dir = started.runDir;
    assert.equal(path.dirname(path.dirname(dir)), path.join(s.dir, '.dlmodel', 'runs'));
    assert.match(path.basename(dir), /^\d{8}-\d{6}-[0-9a-f]{3}$/);
    const run = await readRun(dir);
    assert.equal(run.status, 'completed');
    assert.equal(run.epochsDone, 5);
    assert.equal(run.pid, undefined);
    assert.equal(run.backend, 'wasm');
    assert.equal(run.seed, 1);
    assert.ok(run.endedAt && run.specHash);
    // The plan: every choice as used, defaults filled in, the derived layers included.
    const plan = run.plan!;
    assert.deepEqual(
      [plan.task, plan.optimizer, plan.learningRate, plan.batchSize, plan.epochs, plan.loss, plan.metrics, plan.trainRows, plan.validationRows, plan.seed],
      ['classification', 'adam', 0.05, 8, 5, 'binaryCrossentropy', ['accuracy'], 32, 8, 1],
    );
    assert.deepEqual(plan.layers.map((l) => [l.type, l.name, l.outputShape, l.params]), [['input', 'input', [2], 0], ['dense', 'dense_1', [2], 6], ['dense', 'output', [1], 3]]);
    assert.deepEqual([plan.layers[1].activation, plan.layers[1].useBias, plan.layers[2].activation], ['sigmoid', true, 'sigmoid']);
    assert.deepEqual(plan.params, { total: 9, trainable: 9, nonTrainable: 0 });
    assert.deepEqual(run.params, plan.params, 'the built model has the parameters the plan counted');
    const metrics = await readMetrics(dir);
    assert.deepEqual(metrics.map((m) => m.epoch), [1, 2, 3, 4, 5]);
    for (const k of ['loss', 'val_loss', 'accuracy', 'val_accuracy', 'ms']) assert.equal(typeof metrics[0][k], 'number', k);
    for (const f of ['model/model.json', 'model/weights.bin', 'preprocess.json', 'predictions.json']) assert.ok(existsSync(path.join(dir, f)), f);
    const preds = JSON.parse(readFileSync(path.join(dir, 'predictions.json'), 'utf8')) as PredictionsJson;
    assert.equal(preds.validation.length, 8);
    assert.ok(['man', 'woman'].includes(String(preds.validation[0].expected)));
    assert.equal(preds.predict.length, 1);
    assert.equal(preds.predict[0].output.length, 2);
    const out0 = preds.predict[0].output as number[];
    assert.ok(Math.abs(out0[0] + out0[1] - 1) < 1e-6);
  });

  it('saves a model that plain tfjs loadLayersModel loads and that predicts the same', async () => {
    writeFiles(s.dir, { 'people.csv': peopleCsv(), 'g.dlmodel.json': spec(GENDER) });
    const r = await runTrainer(job('g.dlmodel.json'));
    assert.equal(r.exitCode, 0, r.stderr);
    const dir = ofType(r.events, 'started')[0].runDir;
    const pre = JSON.parse(readFileSync(path.join(dir, 'preprocess.json'), 'utf8')) as PreprocessJson;
    const preds = JSON.parse(readFileSync(path.join(dir, 'predictions.json'), 'utf8')) as PredictionsJson;
    // A separate script with nothing of dlmodel: tfjs + the files, inputs normalized with preprocess.json.
    const script = path.join(s.dir, 'load.js');
    writeFileSync(
      script,
      `
const R = (m) => require(require.resolve(m, { paths: [process.argv[4]] }));
const tf = Object.assign({}, R('@tensorflow/tfjs-core'), R('@tensorflow/tfjs-layers'));
R('@tensorflow/tfjs-backend-cpu');
const fs = require('fs'), path = require('path');
(async () => {
  await tf.setBackend('cpu');
  const dir = process.argv[2];
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const bin = fs.readFileSync(path.join(dir, json.weightsManifest[0].paths[0]));
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
  const rows = JSON.parse(process.argv[3]);
  const x = tf.tensor2d(rows);
  console.log(JSON.stringify(Array.from(await model.predict(x).data())));
})();
`,
    );
    const inputs = preds.validation.map((p) => pre.features.map((f, j) => (Number(p.input[f.column]) - pre.normalization.a[j]) / pre.normalization.b[j]));
    const out = execFileSync(process.execPath, [script, path.join(dir, 'model'), JSON.stringify(inputs), REPO], { cwd: REPO, encoding: 'utf8' });
    const probs = JSON.parse(out) as number[];
    preds.validation.forEach((p, i) => assert.ok(Math.abs((p.output as number[])[1] - probs[i]) < 1e-5, `row ${i}: ${p.output[1]} vs ${probs[i]}`));
  });

  it('stops at a batch boundary on cancel, keeping the finished epochs (status stopped)', async () => {
    writeFiles(s.dir, { 'people.csv': peopleCsv(), 'g.dlmodel.json': spec({ ...GENDER, training: { ...GENDER.training, epochs: 5000, batchSize: 2 } }) });
    let asked = false;
    const r = await runTrainer(job('g.dlmodel.json'), {
      onEvent(e, cancel) {
        if (e.type === 'epoch' && e.record.epoch === 2 && !asked) {
          asked = true;
          cancel();
        }
      },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const fin = ofType(r.events, 'finished')[0];
    assert.equal(fin.status, 'stopped');
    assert.ok(fin.epochsDone >= 2 && fin.epochsDone < 5000);
    const run = await readRun(fin.runDir);
    assert.equal(run.status, 'stopped');
    assert.equal(run.epochsDone, fin.epochsDone);
    assert.equal((await readMetrics(fin.runDir)).length, fin.epochsDone);
    assert.ok(existsSync(path.join(fin.runDir, 'model', 'model.json')));
  });

  it('a killed trainer leaves an interrupted run that --resume continues in the same folder', async () => {
    writeFiles(s.dir, { 'people.csv': peopleCsv(), 'g.dlmodel.json': spec({ ...GENDER, training: { ...GENDER.training, epochs: 12 } }) });
    const specPath = path.join(s.dir, 'g.dlmodel.json');
    let killed = false;
    const r = await runTrainer(job('g.dlmodel.json'), {
      onEvent(e, _cancel, kill) {
        if (e.type === 'epoch' && e.record.epoch === 3 && !killed) {
          killed = true;
          kill();
        }
      },
    });
    assert.equal(r.signal, 'SIGKILL');
    const runs = await listRuns(specPath, { write: true });
    assert.equal(runs.length, 1);
    assert.equal(runs[0].run.status, 'interrupted');
    const done = (await readMetrics(runs[0].dir)).length;
    assert.ok(done >= 3, `${done} epochs in metrics.jsonl`);
    assert.equal((await readRun(runs[0].dir)).status, 'interrupted', 'listRuns records it in run.json when it may write');
    // A kill between the two renames of a checkpoint swap leaves the previous one as checkpoint.old.
    assert.ok(await resolveSavedDir(path.join(runs[0].dir, 'checkpoint')), 'a loadable checkpoint');

    const resumed = await runTrainer(job('g.dlmodel.json', { resume: runs[0].dir }));
    assert.equal(resumed.exitCode, 0, resumed.stderr);
    const started = ofType(resumed.events, 'started')[0];
    assert.equal(started.runDir, runs[0].dir);
    assert.ok(started.initialEpoch >= 3);
    assert.equal(ofType(resumed.events, 'epoch')[0].record.epoch, started.initialEpoch + 1);
    const fin = ofType(resumed.events, 'finished')[0];
    assert.equal(fin.status, 'completed');
    assert.equal(fin.epochsDone, 12);
    assert.deepEqual((await readMetrics(runs[0].dir)).map((m) => m.epoch), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.equal((await readRun(runs[0].dir)).status, 'completed');
    assert.ok(!resumed.events.some((e) => e.type === 'log' && /optimizer starts fresh/.test(e.message)), 'optimizer state restored');
  });

  it('a kill after the checkpoint but before the metrics line loses no epoch on resume', async () => {
    writeFiles(s.dir, { 'people.csv': peopleCsv(), 'g.dlmodel.json': spec({ ...GENDER, training: { ...GENDER.training, epochs: 6 } }) });
    const first = await runTrainer(job('g.dlmodel.json', { epochs: 4 }));
    assert.equal(first.exitCode, 0, first.stderr);
    const runDir = ofType(first.events, 'started')[0].runDir;
    // The checkpoint holds epoch 4; cut epoch 4 out of metrics.jsonl as a kill in between would have.
    const metricsFile = path.join(runDir, 'metrics.jsonl');
    const lines = readFileSync(metricsFile, 'utf8').trimEnd().split('\n');
    writeFileSync(metricsFile, lines.slice(0, 3).join('\n') + '\n');
    const resumed = await runTrainer(job('g.dlmodel.json', { resume: runDir, epochs: 6 }));
    assert.equal(resumed.exitCode, 0, resumed.stderr);
    assert.deepEqual((await readMetrics(runDir)).map((m) => m.epoch), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual((await readMetrics(runDir))[3], JSON.parse(lines[3]), 'epoch 4 restored from the checkpoint');
  });

  it('bad specs and bad data end as one `failed` event (invalid, exit 2) with places, and no run folder', async () => {
    writeFiles(s.dir, {
      'people.csv': 'weight,height,gender\n70,170,man\n60,,woman\n80,180,man\n55,160,woman\n',
      'bad.dlmodel.json': '{ "data": { "source": "people.csv", "target": "gender" }, "model": { "layers": [ { "type": "dense" } ] } }',
      'strict.dlmodel.json': spec({ ...GENDER, data: { ...GENDER.data, missing: 'error' } }),
    });
    const bad = await runTrainer(job('bad.dlmodel.json'));
    assert.equal(bad.exitCode, 2);
    const f1 = ofType(bad.events, 'failed')[0];
    assert.equal(f1.reason, 'invalid');
    assert.match(f1.problems?.[0] ?? '', /bad\.dlmodel\.json:1:\d+: /);
    const strict = await runTrainer(job('strict.dlmodel.json'));
    assert.equal(strict.exitCode, 2);
    const f2 = ofType(strict.events, 'failed')[0];
    assert.equal(f2.reason, 'invalid');
    assert.match(f2.message, /people\.csv:3|line 3 of people\.csv/);
    assert.ok(!existsSync(path.join(s.dir, '.dlmodel')));
    assert.ok(!/\n\s+at /.test(f2.message), 'no stack trace in the message');
  });

  it('early stopping ends the run completed when the monitored value stops improving (Keras semantics)', async () => {
    const es = { ...GENDER, training: { ...GENDER.training, epochs: 50, earlyStopping: { monitor: 'loss', patience: 2, minDelta: 100 } } };
    writeFiles(s.dir, { 'people.csv': peopleCsv(), 'g.dlmodel.json': spec(es) });
    const r = await runTrainer(job('g.dlmodel.json'));
    const fin = ofType(r.events, 'finished')[0];
    assert.equal(fin.status, 'completed');
    assert.equal(fin.epochsDone, 3, 'epoch 1 sets the best; 2 and 3 do not beat it by minDelta');
    assert.ok(r.events.some((e) => e.type === 'log' && /early stopping after epoch 3/.test(e.message)));
  });

  it('resuming restores weights and optimizer state: 3 + 3 epochs equal 6 straight', async () => {
    writeFiles(s.dir, { 'people.csv': peopleCsv(), 'g.dlmodel.json': spec(GENDER) });
    const straight = await runTrainer(job('g.dlmodel.json', { epochs: 6 }));
    const first = await runTrainer(job('g.dlmodel.json', { epochs: 3 }));
    const dir = ofType(first.events, 'finished')[0].runDir;
    const more = await runTrainer(job('g.dlmodel.json', { epochs: 6, resume: dir }));
    assert.equal(more.exitCode, 0, more.stderr);
    const a = await readMetrics(ofType(straight.events, 'finished')[0].runDir);
    const b = await readMetrics(dir);
    assert.deepEqual(b.map((m) => m.epoch), [1, 2, 3, 4, 5, 6]);
    for (let i = 0; i < 6; i++) assert.ok(Math.abs(a[i].loss - b[i].loss) < 1e-5, `epoch ${i + 1}: ${a[i].loss} vs ${b[i].loss}`);
  });

  it('same seed and backend give the same result (dropout included)', async () => {
    const withDropout = {
      ...GENDER,
      model: { layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dropout', rate: 0.3 }] },
      training: { ...GENDER.training, seed: 123 },
    };
    writeFiles(s.dir, { 'people.csv': peopleCsv(), 'g.dlmodel.json': spec(withDropout) });
    const a = await runTrainer(job('g.dlmodel.json'));
    const b = await runTrainer(job('g.dlmodel.json'));
    const la = ofType(a.events, 'finished')[0].metrics;
    const lb = ofType(b.events, 'finished')[0].metrics;
    assert.ok(Math.abs(la.loss - lb.loss) < 1e-6, `${la.loss} vs ${lb.loss}`);
    assert.ok(Math.abs(la.val_loss - lb.val_loss) < 1e-6);
    const c = await runTrainer(job('g.dlmodel.json', { seed: 124 }));
    assert.notEqual(ofType(c.events, 'finished')[0].metrics.loss, la.loss, 'another seed, another result');
  });
});

describe('dlmodel train / predict / runs (command line)', function () {
  this.timeout(120_000);
  let s: ReturnType<typeof scratch>;
  before(async () => {
    await buildBundles();
  });
  beforeEach(() => {
    s = scratch();
  });
  afterEach(() => s.cleanup());

  it('the linear example learns y = x + 1: X = 10 predicts 11 +/- 0.3', async () => {
    const ex = path.join(REPO, 'examples', 'linear');
    writeFiles(s.dir, {
      'points.csv': readFileSync(path.join(ex, 'points.csv'), 'utf8'),
      'linear.dlmodel.json': readFileSync(path.join(ex, 'linear.dlmodel.json'), 'utf8'),
    });
    const file = path.join(s.dir, 'linear.dlmodel.json');
    const t = await runCli(['train', file, '--backend', 'wasm', '--json']);
    assert.equal(t.code, 0, t.stderr);
    const summary = lastJsonLine(t.stdout);
    assert.equal(summary.status, 'completed');
    assert.equal(summary.backend, 'wasm');
    assert.equal(typeof (summary.metrics as Record<string, number>).loss, 'number');
    const p = await runCli(['predict', file, '--json']);
    assert.equal(p.code, 0, p.stderr);
    const { predictions } = lastJsonLine(p.stdout) as { predictions: { input: unknown; output: number[] }[] };
    assert.deepEqual(predictions[0].input, { X: 10 });
    assert.ok(Math.abs(predictions[0].output[0] - 11) <= 0.3, `predicted ${predictions[0].output[0]}`);

    // --input: a CSV of new points, same preprocessing.
    writeFiles(s.dir, { 'new.csv': 'X\n20\n-5\n' });
    const q = await runCli(['predict', file, '--input', path.join(s.dir, 'new.csv'), '--json']);
    const out = (lastJsonLine(q.stdout) as { predictions: { output: number[] }[] }).predictions.map((x) => x.output[0]);
    assert.ok(Math.abs(out[0] - 21) < 0.6 && Math.abs(out[1] + 4) < 0.6, String(out));

    const runs = await runCli(['runs', file, '--json']);
    const list = (lastJsonLine(runs.stdout) as { runs: { status: string }[] }).runs;
    assert.deepEqual(list.map((r) => r.status), ['completed']);
  });

  it('a diverging run (learning rate 1e6) exits 1, status failed, naming the epoch', async () => {
    writeFiles(s.dir, {
      'points.csv': 'X,Y\n' + Array.from({ length: 20 }, (_, i) => `${i},${3 * i + 1}`).join('\n') + '\n',
      'd.dlmodel.json': spec({
        task: 'regression',
        data: { source: 'points.csv', target: 'Y' },
        model: { layers: [{ type: 'dense', units: 4 }] },
        training: { epochs: 20, batchSize: 4, optimizer: { type: 'sgd', learningRate: 1e6 }, seed: 1 },
      }),
    });
    const t = await runCli(['train', path.join(s.dir, 'd.dlmodel.json'), '--backend', 'wasm', '--json']);
    assert.equal(t.code, 1, t.stdout + t.stderr);
    const summary = lastJsonLine(t.stdout) as { status: string; reason: string; message: string; runDir: string };
    assert.equal(summary.status, 'failed');
    assert.equal(summary.reason, 'diverged');
    assert.match(summary.message, /epoch \d+, batch \d+/);
    assert.match(summary.message, /learning rate/);
    const run = await readRun(summary.runDir);
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /diverged at epoch/);
  });

  it('an invalid spec exits 2 with FILE:LINE:COL problems and writes no run', async () => {
    writeFiles(s.dir, { 'people.csv': peopleCsv(), 'bad.dlmodel.json': '{\n  "data": { "source": "people.csv", "target": "gender" },\n  "model": { "layers": [ { "type": "dense", "units": 2, "activation": "relux" } ] }\n}\n' });
    const file = path.join(s.dir, 'bad.dlmodel.json');
    const t = await runCli(['train', file, '--json']);
    assert.equal(t.code, 2);
    assert.match(t.stderr, /bad\.dlmodel\.json:3:\d+: /);
    assert.equal(lastJsonLine(t.stdout).status, 'invalid');
    assert.ok(!existsSync(path.join(s.dir, '.dlmodel')));
    const u = await runCli(['train', file, '--backend', 'tpu']);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /--backend must be one of auto, torch, cuda, webgpu, native, wasm, cpu/);
    writeFiles(s.dir, { 'ok.dlmodel.json': spec(GENDER) });
    const p = await runCli(['predict', path.join(s.dir, 'ok.dlmodel.json')]);
    assert.equal(p.code, 2);
    assert.match(p.stderr, /no completed run to predict with; train first/);
  });
});
