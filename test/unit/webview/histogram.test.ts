import { strict as assert } from 'node:assert';
import { histogram } from '../../../webview/model/histogram';

describe('webview/model/histogram', () => {
  it('counts every finite value once, the maximum in the last bin', () => {
    const h = histogram([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, NaN, Infinity], 5);
    assert.equal(h.min, 0);
    assert.equal(h.max, 10);
    assert.deepEqual(h.counts, [2, 2, 2, 2, 3]);
  });

  it('handles all-equal values without dividing by zero', () => {
    const h = histogram([3, 3, 3], 4);
    assert.equal(h.counts.reduce((a, b) => a + b, 0), 3);
    assert.ok(h.max > h.min);
  });

  it('uses a given range and skips values outside it', () => {
    const h = histogram([-5, 0, 0.5, 1, 5], 2, { min: 0, max: 1 });
    assert.deepEqual(h.counts, [1, 2]);
  });

  it('returns empty counts for no data', () => {
    assert.deepEqual(histogram([], 3).counts, [0, 0, 0]);
  });
});
