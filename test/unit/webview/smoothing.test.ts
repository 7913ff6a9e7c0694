import { strict as assert } from 'node:assert';
import { emaSmooth, emaSmoothTyped } from '../../../webview/model/smoothing';

describe('webview/model/smoothing: EMA with de-bias', () => {
  it('returns the values unchanged with weight 0', () => {
    assert.deepEqual(emaSmooth([3, 1, 4, 1, 5], 0), [3, 1, 4, 1, 5]);
  });

  it('de-biases the start: a constant series stays constant', () => {
    for (const v of emaSmooth([2, 2, 2, 2], 0.9)) assert.ok(Math.abs((v as number) - 2) < 1e-12);
  });

  it('matches the TensorBoard formula by hand', () => {
    const w = 0.6;
    const out = emaSmooth([1, 3], w) as number[];
    assert.ok(Math.abs(out[0] - 1) < 1e-12);
    const last = (0 * w + 0.4 * 1) * w + 0.4 * 3;
    assert.ok(Math.abs(out[1] - last / (1 - w * w)) < 1e-12);
  });

  it('passes gaps through and does not let them poison later values', () => {
    const out = emaSmooth([1, null, NaN, 1], 0.5);
    assert.equal(out[1], null);
    assert.ok(Number.isNaN(out[2] as number));
    assert.ok(Math.abs((out[3] as number) - 1) < 1e-12);
  });

  it('lags behind a step, less with a smaller weight', () => {
    const step = [0, 0, 0, 10, 10, 10];
    const heavy = emaSmooth(step, 0.9) as number[];
    const light = emaSmooth(step, 0.3) as number[];
    assert.ok(heavy[3] < light[3] && light[3] < 10);
  });

  it('gives the same values over a typed array (the chart path), NaN for gaps', () => {
    const values = [3, 1, NaN, 4, 1, 5, 9, 2, 6];
    const a = emaSmooth(values, 0.8);
    const b = emaSmoothTyped(Float64Array.from(values), 0.8);
    values.forEach((_, i) => {
      if (Number.isNaN(values[i])) assert.ok(Number.isNaN(b[i]));
      else assert.ok(Math.abs((a[i] as number) - b[i]) < 1e-12);
    });
  });
});
