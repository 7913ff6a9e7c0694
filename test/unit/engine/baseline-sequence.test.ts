// The baseline is what always answering the most common class, or the mean, scores. A sequence task's
// targets are token ids: their mean is no answer, so there is no baseline to compare with.
import { strict as assert } from 'node:assert';
import type { PreparedData } from '../../../src/data/preprocess';
import { computeBaseline } from '../../../src/engine/coach';

function prepared(task: 'sequence' | 'regression'): PreparedData {
  return {
    pre: { task, features: [], inputNames: [], inputShape: [3], normalization: { kind: 'none', a: [], b: [] }, target: ['digits'], missing: 'drop' },
    split: { train: [0, 1, 2], validation: [3] },
    y: Float32Array.from([4, 2, 0, 5, 3, 0, 6, 2, 0, 4, 4, 0].slice(0, task === 'sequence' ? 12 : 4)),
  } as unknown as PreparedData;
}

describe('baseline of a sequence task', () => {
  it('has none (token ids have no mean worth answering)', () => {
    assert.equal(computeBaseline(prepared('sequence'), 'sparseCategoricalCrossentropy'), undefined);
  });

  it('a regression target still has its mean', () => {
    const b = computeBaseline(prepared('regression'), 'meanSquaredError');
    assert.equal(b?.task, 'regression');
  });
});
