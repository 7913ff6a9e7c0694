import { strict as assert } from 'node:assert';
import { classificationBaseline, regressionBaseline, type Baseline } from '../../../src/coach/baseline';
import { analyzeRun, type CoachInput, type CurvePoint } from '../../../src/coach/insights';

/** A seeded wobble, so "noisy" curves are the same on every run. */
function noise(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

function curve(n: number, f: (e: number) => Partial<CurvePoint>): CurvePoint[] {
  return Array.from({ length: n }, (_, i) => ({ epoch: i + 1, loss: 0, ...f(i + 1) }) as CurvePoint);
}

const kinds = (input: CoachInput) => analyzeRun(input).map((i) => i.kind);

const clsBaseline: Baseline = { task: 'classification', majorityClass: 'rain', accuracy: 0.44, loss: 1.05, rows: 100, split: 'validation' };
const regBaseline: Baseline = { task: 'regression', mean: [152], mae: 64, mse: 5900, loss: 5900, rows: 88, split: 'validation' };

/** Healthy: both losses fall and level off together, accuracy well above the baseline, a little noise. */
function healthyClassification(n = 40): CurvePoint[] {
  const r = noise(7);
  return curve(n, (e) => {
    const loss = 0.25 + 0.8 * Math.exp(-e / 5) + 0.004 * r();
    return { loss, val_loss: loss + 0.05 + 0.006 * r(), accuracy: 0.92 - 0.4 * Math.exp(-e / 5), val_accuracy: 0.9 - 0.4 * Math.exp(-e / 5) + 0.005 * r() };
  });
}

describe('coach/insights: what the curves say', () => {
  it('a healthy classification run says nothing alarming', () => {
    assert.deepEqual(kinds({ task: 'classification', history: healthyClassification(), epochs: 40, learningRate: 0.001, baseline: clsBaseline }), []);
    const predicted = { classNames: ['dry', 'rain', 'snow'], counts: [40, 45, 15] };
    const activity = [{ layer: 0, type: 'dense', activation: 'relu' as const, units: 16, rows: 100, dead: 2, saturated: 0 }];
    assert.deepEqual(kinds({ task: 'classification', history: healthyClassification(), epochs: 40, learningRate: 0.001, baseline: clsBaseline, predicted, activity }), []);
  });

  it('a healthy regression run, and a healthy short one, say nothing', () => {
    const r = noise(3);
    const h = curve(60, (e) => {
      const loss = 3000 + 20000 * Math.exp(-e / 6) + 20 * r();
      return { loss, val_loss: loss * 1.1, mae: Math.sqrt(loss), val_mae: Math.sqrt(loss * 1.1) };
    });
    assert.deepEqual(kinds({ task: 'regression', history: h, epochs: 60, learningRate: 0.01, baseline: regBaseline }), []);
    assert.deepEqual(kinds({ task: 'regression', history: h.slice(0, 2), epochs: 60 }), []);
  });

  it('overfitting: from which epoch, the best epoch and its validation loss, and the fixes', () => {
    // Validation loss lowest at epoch 12, then rising; training loss keeps falling.
    const h = curve(60, (e) => ({
      loss: 30000 * Math.exp(-e / 8) + 150,
      val_loss: 3000 + 12 * (e - 12) ** 2,
      mae: 11 + 300 * Math.exp(-e / 8),
      val_mae: 40 + 0.25 * Math.abs(e - 12),
    }));
    const [i] = analyzeRun({ task: 'regression', history: h, epochs: 60, learningRate: 0.01, baseline: regBaseline });
    assert.equal(i.kind, 'overfitting');
    assert.equal(i.epoch, 12);
    assert.equal(i.about, 'epochs');
    assert.equal(i.numbers.bestEpoch, 12);
    assert.equal(i.numbers.bestValLoss, 3000);
    assert.match(i.message, /Overfitting from epoch 13/);
    assert.match(i.message, /lowest at epoch 12 \(3000\)/);
    assert.match(i.message, /training MAE is 11\.\d*, the validation MAE 52/);
    assert.deepEqual(i.fixes, [{ kind: 'earlyStopping', patience: 6 }, { kind: 'setEpochs', epochs: 12 }]);
    // With restoreBestWeights already in the spec, no earlyStopping fix, and the message says what was kept.
    const [j] = analyzeRun({ task: 'regression', history: h, epochs: 60, earlyStopping: { restoreBestWeights: true } });
    assert.deepEqual(j.fixes, [{ kind: 'setEpochs', epochs: 12 }]);
    assert.match(j.message, /restoreBestWeights keeps epoch 12's weights/);
    // Live: shown as soon as the curves say so.
    assert.deepEqual(kinds({ task: 'regression', history: h.slice(0, 20), epochs: 60, live: true }), ['overfitting']);
    assert.deepEqual(kinds({ task: 'regression', history: h.slice(0, 14), epochs: 60, live: true }), []);
  });

  it('no overfitting when the validation loss only wobbles around its minimum', () => {
    const r = noise(11);
    const h = curve(40, (e) => ({ loss: 0.3 + Math.exp(-e / 4), val_loss: 0.4 + Math.exp(-e / 4) + 0.02 * r() }));
    assert.ok(!kinds({ task: 'classification', history: h, epochs: 40 }).includes('overfitting'));
    // A validation loss that rose from a lucky minimum but stays below the training loss is no gap.
    const lucky = curve(40, (e) => ({ loss: 13 - 0.01 * e, val_loss: e === 36 ? 10.1 : 11.2 }));
    assert.ok(!kinds({ task: 'regression', history: lucky, epochs: 40 }).includes('overfitting'));
  });

  it('underfitting: no better than always answering the most common class, or the mean', () => {
    const h = curve(30, (e) => ({ loss: 1.1 - 0.001 * e, val_loss: 1.08, accuracy: 0.45, val_accuracy: e === 9 ? 0.45 : 0.44 }));
    const found = analyzeRun({ task: 'classification', history: h, epochs: 30, baseline: clsBaseline });
    const u = found.find((i) => i.kind === 'underfitting');
    assert.ok(u, JSON.stringify(found));
    assert.equal(u.numbers.val_accuracy, 0.45);
    assert.equal(u.numbers.baseline, 0.44);
    assert.match(u.message, /validation accuracy, 45% \(epoch 9\), is no better than always answering "rain", which scores 44%/);
    // Still falling at the end, with a learning rate to raise: the fix is a larger one, on its line.
    const slow = analyzeRun({ task: 'classification', history: h, epochs: 30, baseline: clsBaseline, learningRate: 0.001 }).find((i) => i.kind === 'underfitting');
    assert.deepEqual([slow?.about, slow?.fixes], ['learningRate', [{ kind: 'setLearningRate', learningRate: 0.01 }]]);
    assert.match(slow?.message ?? '', /still falling when training ended.*\(now 0\.001\)/);
    const flat = curve(30, (e) => ({ loss: 1.05 + (e % 2) * 0.001, val_loss: 1.08, accuracy: 0.45, val_accuracy: 0.44 }));
    const stuck = analyzeRun({ task: 'classification', history: flat, epochs: 30, baseline: clsBaseline, learningRate: 0.001 }).find((i) => i.kind === 'underfitting');
    assert.deepEqual([stuck?.about, stuck?.fixes], ['layers', []]);
    const reg = curve(20, (e) => ({ loss: 6000 - e, val_loss: 5950, mae: 63, val_mae: 62 }));
    const ru = analyzeRun({ task: 'regression', history: reg, epochs: 20, baseline: regBaseline }).find((i) => i.kind === 'underfitting');
    assert.ok(ru);
    assert.match(ru.message, /validation MAE, 62 .*always answering the mean \(152\), which scores 64/);
    // Not while training, and not when the network beats the baseline.
    assert.ok(!kinds({ task: 'classification', history: h, epochs: 30, baseline: clsBaseline, live: true }).includes('underfitting'));
    assert.ok(!kinds({ task: 'classification', history: healthyClassification(), epochs: 40, baseline: clsBaseline }).includes('underfitting'));
  });

  it('diverging: the loss climbs far above its lowest point; the fix is a smaller learning rate', () => {
    const h = curve(10, (e) => ({ loss: e < 3 ? 1 / e : 0.5 * 2 ** (e - 2) }));
    const [d] = analyzeRun({ task: 'classification', history: h, epochs: 10, learningRate: 5 });
    assert.equal(d.kind, 'diverging');
    assert.equal(d.about, 'learningRate');
    assert.equal(d.epoch, 3);
    assert.match(d.message, /lowest at epoch 2 \(0\.5\), then it climbs to 128 at epoch 10/);
    assert.match(d.message, /learningRate 5\)/);
    assert.deepEqual(d.fixes, [{ kind: 'setLearningRate', learningRate: 0.5 }]);
  });

  it('oscillating: the loss goes up in many epochs', () => {
    const h = curve(20, (e) => ({ loss: 0.8 + (e % 2 === 0 ? 0.3 : 0) - 0.005 * e }));
    const [o] = analyzeRun({ task: 'classification', history: h, epochs: 20, learningRate: 0.5 });
    assert.equal(o.kind, 'oscillating');
    assert.equal(o.numbers.epochsUp, 10);
    assert.match(o.message, /went up in 10 of 19 epochs/);
  });

  it('learning rate too low: a loss that barely moves, still near the baseline', () => {
    const h = curve(30, (e) => ({ loss: 1.1 - 0.002 * e, val_loss: 1.1 - 0.002 * e, accuracy: 0.5, val_accuracy: 0.5 }));
    const found = analyzeRun({ task: 'classification', history: h, epochs: 30, learningRate: 0.00001, baseline: clsBaseline });
    const low = found.find((i) => i.kind === 'learningRateTooLow');
    assert.ok(low, JSON.stringify(found));
    assert.deepEqual(low.fixes, [{ kind: 'setLearningRate', learningRate: 0.0001 }]);
    assert.match(low.message, /from 1\.1 to 1\.04 in 30 epochs/);
    // A converged run whose loss is far below the baseline's is not "too low", even if it moves little.
    const done = curve(30, (e) => ({ loss: 0.2 - 0.0002 * e }));
    assert.ok(!kinds({ task: 'classification', history: done, epochs: 30, learningRate: 0.001, baseline: clsBaseline }).includes('learningRateTooLow'));
  });

  it('predicts one class only', () => {
    const predicted = { classNames: ['dry', 'rain'], counts: [0, 88] };
    const found = analyzeRun({ task: 'classification', history: healthyClassification(), epochs: 40, baseline: { ...clsBaseline, majorityClass: 'rain' }, predicted });
    const one = found.find((i) => i.kind === 'predictsOneClass');
    assert.ok(one);
    assert.match(one.message, /88 of the 88 validation rows get "rain"\. "rain" is the most common class, so this scores 44%/);
    assert.ok(!kinds({ task: 'classification', history: [], epochs: 1, predicted: { classNames: ['a', 'b'], counts: [50, 38] } }).includes('predictsOneClass'));
  });

  it('dead ReLU units and saturated sigmoids name the layer', () => {
    const activity = [
      { layer: 1, type: 'dense', activation: 'relu' as const, units: 16, rows: 200, dead: 12, saturated: 0 },
      { layer: 2, type: 'dense', activation: 'sigmoid' as const, units: 8, rows: 200, dead: 0, saturated: 0.73 },
      { layer: 3, type: 'dense', activation: 'tanh' as const, units: 8, rows: 200, dead: 0, saturated: 0.1 },
    ];
    const found = analyzeRun({ task: 'regression', history: [], epochs: 1, activity });
    assert.deepEqual(found.map((i) => [i.kind, i.layer]), [['deadRelu', 1], ['saturatedSigmoid', 2]]);
    assert.match(found[0].message, /12 of the 16 ReLU units of layer 2 \(dense\) output 0 for every one of 200 rows/);
    assert.match(found[1].message, /73% of the outputs of layer 3's sigmoid units/);
  });
});

describe('coach/baseline', () => {
  it('classification: the most common training class, scored on the validation rows', () => {
    const labels = [0, 0, 0, 1, 1, 0, 1, 1, 1, 1];
    const b = classificationBaseline(labels, ['dry', 'rain'], [0, 1, 2, 3, 4, 5], [6, 7, 8, 9]);
    assert.equal(b.task, 'classification');
    if (b.task !== 'classification') return;
    assert.equal(b.majorityClass, 'dry');
    assert.equal(b.accuracy, 0);
    // p(rain) = 2/6 from training; every validation row is rain: -log(1/3).
    assert.ok(Math.abs((b.loss ?? 0) - Math.log(3)) < 1e-9);
  });

  it('regression: the training mean, its MAE and MSE on the validation rows', () => {
    const b = regressionBaseline([1, 3, 10, 0], 1, [0, 1], [2, 3], 'meanSquaredError');
    assert.equal(b.task, 'regression');
    if (b.task !== 'regression') return;
    assert.deepEqual(b.mean, [2]);
    assert.equal(b.mae, (8 + 2) / 2);
    assert.equal(b.mse, (64 + 4) / 2);
    assert.equal(b.loss, b.mse);
  });
});
