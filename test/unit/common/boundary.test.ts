import { strict as assert } from 'node:assert';
import { boundaryFromPredictions, featureRange, gridInputs, linspace } from '../../../src/common/boundary';

describe('common/boundary: decision-boundary grid', () => {
  it('covers the data range with a margin, in original units', () => {
    const r = featureRange([{ x: 0 }, { x: 10 }, { x: 'n/a' }], 'x', 0.1);
    assert.deepEqual(r, { min: -1, max: 11 });
    assert.deepEqual(linspace({ min: 0, max: 1 }, 3), [0, 0.5, 1]);
  });

  it('lays the grid out row-major, ys outer', () => {
    assert.deepEqual(gridInputs('a', 'b', [1, 2], [5, 6]), [{ a: 1, b: 5 }, { a: 2, b: 5 }, { a: 1, b: 6 }, { a: 2, b: 6 }]);
  });

  it('turns predictions into class indices with confidence', () => {
    const v = boundaryFromPredictions('/r', 'a', 'b', [1, 2], [1], [{ input: {}, output: [0.9] }, { input: {}, output: [0.3] }], ['neg', 'pos']);
    assert.deepEqual(v.z, [1, 0]);
    assert.ok(Math.abs((v.confidence as number[])[1] - 0.7) < 1e-12);
  });
});
