import { strict as assert } from 'node:assert';
import { regressionPoints } from '../../../webview/model/regression';

describe('webview/model/regression', () => {
  it('pairs actual and predicted values and computes the errors', () => {
    const r = regressionPoints([
      { input: {}, output: [2], expected: 1 },
      { input: {}, output: [2], expected: [3] },
      { input: {}, output: [5], expected: 5 },
      { input: {}, output: [1] },
    ]);
    assert.deepEqual(r.actual, [1, 3, 5]);
    assert.deepEqual(r.predicted, [2, 2, 5]);
    assert.deepEqual(r.errors, [1, -1, 0]);
    assert.ok(Math.abs(r.mae - 2 / 3) < 1e-12);
    assert.ok(Math.abs(r.rmse - Math.sqrt(2 / 3)) < 1e-12);
    assert.ok(Math.abs(r.r2 - (1 - 2 / 8)) < 1e-12);
  });

  it('gives a perfect fit r2 = 1 and no data NaN', () => {
    assert.equal(regressionPoints([{ input: {}, output: [1], expected: 1 }, { input: {}, output: [2], expected: 2 }]).r2, 1);
    assert.ok(Number.isNaN(regressionPoints([]).mae));
  });
});
