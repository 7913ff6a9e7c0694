import { strict as assert } from 'node:assert';
import { classRows, confusionMatrix, expectedClass } from '../../../src/common/classify';
import type { PredictionView } from '../../../src/protocol/webview';

const names = ['setosa', 'versicolor', 'virginica'];
const p = (expected: PredictionView['expected'], output: number[], label?: string): PredictionView => ({ input: {}, output, expected, label });

describe('common/classify', () => {
  it('builds the confusion matrix with rows = expected, columns = predicted', () => {
    const preds = [
      p('setosa', [0.9, 0.05, 0.05]),
      p('setosa', [0.2, 0.7, 0.1]),
      p('versicolor', [0.1, 0.8, 0.1]),
      p('virginica', [0.1, 0.3, 0.6]),
      p('virginica', [0.1, 0.6, 0.3]),
    ];
    const m = confusionMatrix(preds, names);
    assert.deepEqual(m.matrix, [[1, 1, 0], [0, 1, 0], [0, 1, 1]]);
    assert.equal(m.correct, 3);
    assert.equal(m.total, 5);
    assert.equal(m.accuracy, 0.6);
    assert.deepEqual(m.perClass.map((c) => c.accuracy), [0.5, 1, 0.5]);
  });

  it('understands expected values as names, indices and one-hot vectors', () => {
    assert.equal(expectedClass('virginica', names), 'virginica');
    assert.equal(expectedClass(1, names), 'versicolor');
    assert.equal(expectedClass([0, 0, 1], names), 'virginica');
    assert.equal(expectedClass([0.8], ['no', 'yes']), 'yes');
  });

  it('reads a single sigmoid output as the probability of the second class', () => {
    const rows = classRows([p('yes', [0.2]), p('no', [0.1])], ['no', 'yes']);
    assert.equal(rows[0].predicted, 'no');
    assert.equal(rows[0].correct, false);
    assert.ok(Math.abs(rows[0].confidence - 0.8) < 1e-12);
    assert.equal(rows[1].correct, true);
  });

  it('puts mistakes first, the most confident on top', () => {
    const rows = classRows([
      p('setosa', [0.9, 0.05, 0.05]),
      p('setosa', [0.3, 0.6, 0.1]),
      p('setosa', [0.05, 0.05, 0.9]),
    ], names);
    assert.deepEqual(rows.map((r) => r.index), [2, 1, 0]);
  });

  it('trusts the label the engine wrote and skips rows without an answer', () => {
    const rows = classRows([p(undefined, [1, 0, 0]), p('virginica', [0.4, 0.3, 0.3], 'virginica')], names);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].correct, true);
  });
});
