import { strict as assert } from 'node:assert';
import { alignSeries, downsampleMinMax, m4Indices } from '../../../webview/model/downsample';

describe('webview/model/downsample', () => {
  it('keeps short series whole', () => {
    const r = downsampleMinMax([1, 2, 3], [5, 6, 7], 100);
    assert.deepEqual(r, { xs: [1, 2, 3], ys: [5, 6, 7] });
  });

  it('reduces 100,000 points to at most 4 per bucket and keeps the extremes', () => {
    const n = 100_000;
    const xs = Array.from({ length: n }, (_, i) => i);
    const ys = xs.map((i) => Math.sin(i / 1000) + (i === 54321 ? 50 : 0) - (i === 777 ? 40 : 0));
    const r = downsampleMinMax(xs, ys, 500);
    assert.ok(r.xs.length <= 2000, `${r.xs.length} points`);
    assert.ok(r.xs.length >= 500);
    const max = Math.max(...(r.ys as number[]));
    const min = Math.min(...(r.ys as number[]));
    assert.equal(max, ys[54321]);
    assert.equal(min, ys[777]);
    assert.equal(r.xs[0], 0);
    assert.equal(r.xs[r.xs.length - 1], n - 1);
    for (let i = 1; i < r.xs.length; i++) assert.ok(r.xs[i] > r.xs[i - 1], 'x stays ascending');
  });

  it('keeps a gap for buckets holding only missing values', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    const ys = xs.map((i) => (i >= 40 && i < 60 ? null : i));
    const r = downsampleMinMax(xs, ys, 10);
    assert.ok(r.ys.includes(null));
  });

  it('treats NaN in a typed column as a gap', () => {
    const xs = Float64Array.from({ length: 100 }, (_, i) => i);
    const ys = xs.map((i) => (i >= 40 && i < 60 ? NaN : i));
    const r = downsampleMinMax(xs, ys, 10);
    assert.ok(r.ys.includes(null));
    assert.ok(!r.ys.some((y) => Number.isNaN(y)));
  });

  it('shares kept indices between series: each keeps its own extremes per bucket', () => {
    const n = 10_000;
    const xs = Float64Array.from({ length: n }, (_, i) => i);
    const a = xs.map((i) => (i === 10 ? 5 : 0));
    const b = xs.map((i) => (i === 20 ? -5 : 0));
    const keep = Array.from(m4Indices(xs, [a, b], 10));
    assert.ok(keep.includes(10) && keep.includes(20));
    assert.ok(keep.length <= 10 * 4 * 2);
    const zoom = Array.from(m4Indices(xs, [a, b], 10, 100, 120));
    assert.deepEqual(zoom, Array.from({ length: 20 }, (_, i) => 100 + i), 'a short range comes back whole');
  });

  it('aligns series on the union of their x values', () => {
    const a = alignSeries([{ xs: [1, 2, 3], ys: [10, 20, 30] }, { xs: [1.5, 2], ys: [7, 8] }]);
    assert.deepEqual(a.xs, [1, 1.5, 2, 3]);
    assert.deepEqual(a.ys[0], [10, null, 20, 30]);
    assert.deepEqual(a.ys[1], [null, 7, 8, null]);
  });
});
