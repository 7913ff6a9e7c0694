import { strict as assert } from 'node:assert';
import { kmeans, nearestCentroid } from '../../../src/common/kmeans';
import { fitPca2, projectPca2, to2d } from '../../../src/common/pca';
import { clusterReport } from '../../../src/common/clusters';
import { mulberry32 } from '../../../src/data/split';

describe('k-means', () => {
  it('finds the two groups of a hand-checked case: centres, assignments and inertia', () => {
    // Two pairs far apart: the centres must be the pair means (0, 0.5) and (10, 10.5); every point is
    // 0.5 from its centre, so the inertia is 4 x 0.25 = 1.
    const pts = [0, 0, 0, 1, 10, 10, 10, 11];
    for (const seed of [1, 2, 3, 42]) {
      const r = kmeans(pts, 4, 2, 2, seed);
      assert.equal(r.assignments[0], r.assignments[1]);
      assert.equal(r.assignments[2], r.assignments[3]);
      assert.notEqual(r.assignments[0], r.assignments[2]);
      const a = r.centroids[r.assignments[0]];
      const b = r.centroids[r.assignments[2]];
      assert.deepEqual(a, [0, 0.5]);
      assert.deepEqual(b, [10, 10.5]);
      assert.equal(r.inertia, 1);
    }
  });

  it('is deterministic for a seed and moves with it', () => {
    const rand = mulberry32(7);
    const n = 300;
    const pts = new Float32Array(n * 3);
    for (let i = 0; i < pts.length; i++) pts[i] = rand() * 10;
    const a = kmeans(pts, n, 3, 5, 11);
    const b = kmeans(pts, n, 3, 5, 11);
    assert.deepEqual(a, b);
    const others = [12, 13, 14, 15].map((s) => kmeans(pts, n, 3, 5, s));
    assert.ok(others.some((o) => JSON.stringify(o.centroids) !== JSON.stringify(a.centroids)), 'another seed starts elsewhere');
  });

  it('never does worse than one centre, and k = n gives zero inertia', () => {
    const pts = [1, 2, 3, 4, 5, 9];
    assert.equal(kmeans(pts, 6, 1, 6, 3).inertia, 0);
    assert.ok(kmeans(pts, 6, 1, 2, 3).inertia < kmeans(pts, 6, 1, 1, 3).inertia);
  });

  it('refuses k outside 1..n', () => {
    assert.throws(() => kmeans([1, 2], 2, 1, 3, 1), /between 1 and the number of points \(2\)/);
    assert.throws(() => kmeans([1, 2], 2, 1, 0, 1), RangeError);
  });

  it('nearestCentroid picks the closest centre', () => {
    assert.equal(nearestCentroid([9, 9], [[0, 0], [10, 10]]), 1);
    assert.equal(nearestCentroid([1, -1], [[0, 0], [10, 10]]), 0);
  });
});

describe('PCA to 2-D', () => {
  it('finds the direction of a line as the first component', () => {
    // Points on y = 2x, z = 0, with a little spread along z: component 1 is (1, 2, 0)/sqrt(5).
    const pts: number[] = [];
    for (let i = -5; i <= 5; i++) pts.push(i, 2 * i, i % 2 ? 0.1 : -0.1);
    const p = fitPca2(pts, 11, 3);
    const [c1, c2] = p.components;
    assert.ok(Math.abs(c1[0] - 1 / Math.sqrt(5)) < 1e-6 && Math.abs(c1[1] - 2 / Math.sqrt(5)) < 1e-6 && Math.abs(c1[2]) < 1e-6, `c1 ${c1}`);
    assert.ok(Math.abs(Math.abs(c2[2]) - 1) < 1e-6, `c2 ${c2}`);
    const xy = projectPca2(p, pts, 11);
    // The point (5, 10, ...) lies sqrt(125) along the line from the mean (0, 0, ~0).
    assert.ok(Math.abs(xy[10][0] - Math.sqrt(125)) < 1e-6);
    assert.ok(p.variance[0] > p.variance[1]);
  });

  it('keeps points of one or two values as they are', () => {
    assert.deepEqual(to2d([1, 2, 3, 4], 2, 2), [[1, 2], [3, 4]]);
    assert.deepEqual(to2d([5, 6], 2, 1), [[5, 0], [6, 0]]);
  });
});

describe('cluster purity', () => {
  it('scores each cluster by its majority label and tabulates clusters by label', () => {
    const r = clusterReport([0, 0, 0, 1, 1, 2], ['a', 'a', 'b', 'b', 'b', 'a'], 4);
    assert.deepEqual(r.labels, ['a', 'b']);
    assert.deepEqual(r.table, [[2, 1], [0, 2], [1, 0], [0, 0]]);
    assert.deepEqual(r.clusters.map((c) => [c.size, c.majority, c.purity]), [[3, 'a', 2 / 3], [2, 'b', 1], [1, 'a', 1], [0, undefined, 0]]);
    assert.equal(r.purity, 5 / 6);
  });
});
