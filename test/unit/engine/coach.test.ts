// The coach inside a real trainer process: baselines, restoreBestWeights, insights in run.json and in the
// command line's --json line, layer activity measured on the trained model.
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TrainJob } from '../../../src/protocol/trainer';
import type { PredictionsJson } from '../../../src/runs/types';
import { readMetrics, readRun } from '../../../src/runs/folder';
import { activityOf, computeBaseline } from '../../../src/engine/coach';
import type { PreparedData } from '../../../src/data/preprocess';
import { buildBundles, lastJsonLine, ofType, peopleCsv, REPO, runCli, runTrainer, scratch, spec, writeFiles } from './helpers';

const DIABETES = path.join(REPO, 'examples', 'diabetes-overfit', 'diabetes.csv');

describe('coach in the trainer', function () {
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
    return { kind: 'train', specPath: path.join(s.dir, file), backend: 'wasm', progressIntervalMs: 1e9, weightsIntervalMs: 1e9, ...extra };
  }

  it('restoreBestWeights saves the best epoch: its predictions score its val_mae; run.json says which epoch', async () => {
    copyFileSync(DIABETES, path.join(s.dir, 'diabetes.csv'));
    writeFiles(s.dir, {
      'd.dlmodel.json': spec({
        data: { source: 'diabetes.csv', target: 'progression' },
        model: { layers: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 128, activation: 'relu' }] },
        training: { epochs: 40, batchSize: 16, learningRate: 0.003, metrics: ['mae'], seed: 42, earlyStopping: { patience: 4, restoreBestWeights: true } },
      }),
    });
    const r = await runTrainer(job('d.dlmodel.json'));
    assert.equal(r.exitCode, 0, r.stderr);
    const fin = ofType(r.events, 'finished')[0];
    const metrics = await readMetrics(fin.runDir);
    const best = metrics.reduce((a, b) => (b.val_loss < a.val_loss ? b : a));
    assert.ok(best.epoch < fin.epochsDone, `best ${best.epoch}, done ${fin.epochsDone}`);
    assert.equal(fin.restoredEpoch, best.epoch);
    const run = await readRun(fin.runDir);
    assert.equal(run.restoredEpoch, best.epoch);
    assert.equal(run.finalMetrics?.val_mae, best.val_mae);
    const preds = JSON.parse(readFileSync(path.join(fin.runDir, 'predictions.json'), 'utf8')) as PredictionsJson;
    const mae = preds.validation.reduce((sum, p) => sum + Math.abs((p.output as number[])[0] - (p.expected as number)), 0) / preds.validation.length;
    assert.ok(Math.abs(mae - best.val_mae) < 1e-3 * best.val_mae, `predictions MAE ${mae} vs epoch ${best.epoch}'s val_mae ${best.val_mae}`);
    // The baseline: always answering the training mean, scored on the validation rows.
    assert.equal(run.baseline?.task, 'regression');
    assert.ok(run.baseline && run.baseline.task === 'regression' && run.baseline.mae > best.val_mae);
    assert.deepEqual(fin.baseline, run.baseline);
    // Overfitting was seen live, and the final insight says which weights were kept.
    const over = run.insights?.find((i) => i.kind === 'overfitting');
    assert.ok(over, JSON.stringify(run.insights));
    assert.equal(over.epoch, best.epoch);
    assert.match(over.message, new RegExp(`restoreBestWeights keeps epoch ${best.epoch}'s weights`));
    assert.ok(ofType(r.events, 'epoch').some((e) => e.insights?.some((i) => i.kind === 'overfitting')));
    assert.ok(existsSync(path.join(fin.runDir, 'best', 'weights.bin')));
  });

  it('a classification baseline and saturated sigmoids on raw, unnormalized inputs', async () => {
    writeFiles(s.dir, {
      'people.csv': peopleCsv(60),
      'g.dlmodel.json': spec({
        data: { source: 'people.csv', target: 'gender', normalize: 'none' },
        model: { layers: [{ type: 'dense', units: 8, activation: 'sigmoid' }] },
        training: { epochs: 3, batchSize: 8, learningRate: 0.01, seed: 1 },
      }),
    });
    const r = await runTrainer(job('g.dlmodel.json'));
    assert.equal(r.exitCode, 0, r.stderr);
    const run = await readRun(ofType(r.events, 'finished')[0].runDir);
    assert.equal(run.baseline?.task, 'classification');
    if (run.baseline?.task === 'classification') assert.ok(run.baseline.accuracy > 0.3 && run.baseline.accuracy < 0.7);
    const sat = run.insights?.find((i) => i.kind === 'saturatedSigmoid');
    assert.ok(sat, JSON.stringify(run.insights));
    assert.equal(sat.layer, 0);
    assert.ok(sat.numbers.saturated >= 0.5);
  });

  it('a diverged run keeps a "diverging" insight with the smaller learning rate as its fix', async () => {
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
    assert.equal(t.code, 1);
    const run = await readRun((lastJsonLine(t.stdout) as { runDir: string }).runDir);
    const d = run.insights?.[0];
    assert.equal(d?.kind, 'diverging');
    assert.deepEqual(d?.fixes, [{ kind: 'setLearningRate', learningRate: 1e5 }]);
  });

  it('dlmodel train prints the baseline on its final line and the insights after it; --json carries both', async () => {
    copyFileSync(DIABETES, path.join(s.dir, 'diabetes.csv'));
    writeFiles(s.dir, {
      'd.dlmodel.json': spec({
        data: { source: 'diabetes.csv', target: 'progression' },
        model: { layers: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 128, activation: 'relu' }] },
        training: { epochs: 20, batchSize: 16, learningRate: 0.003, metrics: ['mae'], seed: 42 },
      }),
    });
    const t = await runCli(['train', path.join(s.dir, 'd.dlmodel.json'), '--backend', 'wasm', '--json']);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stderr, /^completed: 20 epochs, .*val_mae \d+\.\d+ \(baseline, always answering the mean \(\d+\): MAE \d+(\.\d)?\)$/m);
    assert.match(t.stderr, /^Insights:\n  overfitting \(epoch \d+\): Overfitting from epoch \d+: the validation loss was lowest/m);
    const summary = lastJsonLine(t.stdout) as { insights: { kind: string; epoch?: number; message: string }[]; baseline: { task: string; mae: number } };
    assert.deepEqual(Object.keys(summary.insights[0]), ['kind', 'epoch', 'message']);
    assert.equal(summary.insights[0].kind, 'overfitting');
    assert.equal(summary.baseline.task, 'regression');
  });

  it('no baseline for a sequence task: the mean of its token ids is no answer (nor for an autoencoder)', () => {
    const data = (task: string) => ({ pre: { task, target: ['digits'] }, split: { train: [0, 1], validation: [2] }, y: Float32Array.from([3, 4, 0, 5, 2, 0, 3, 3, 3]) }) as unknown as PreparedData;
    assert.equal(computeBaseline(data('sequence'), 'sparseCategoricalCrossentropy'), undefined);
    assert.equal(computeBaseline(data('autoencoder'), 'meanSquaredError'), undefined);
    assert.equal(computeBaseline(data('regression'), 'meanSquaredError')?.task, 'regression', 'the same rows as a regression have one');
  });

  it('dead ReLU units: a unit dead on every row, counted per unit (channels last)', () => {
    // 3 rows x 4 units: unit 1 and unit 3 never above 0.
    const values = Float32Array.from([0.5, 0, 1, 0, 0, 0, 2, -0, 0.1, 0, 0, 0]);
    const a = activityOf(2, { type: 'dense', units: 4, activation: 'relu' }, values, 4, 3);
    assert.deepEqual([a.layer, a.dead, a.units, a.rows, a.saturated], [2, 2, 4, 3, 0]);
    const sig = activityOf(0, { type: 'dense', units: 2, activation: 'sigmoid' }, Float32Array.from([0.999, 0.5, 0.001, 0.97]), 2, 2);
    assert.equal(sig.saturated, 0.5);
    assert.equal(sig.dead, 0);
  });
});
