import { strict as assert } from 'node:assert';
import { previewTable } from '../../../src/data/preview';
import { parseTable } from '../../../src/data/table';
import type { PreprocessJson } from '../../../src/runs/types';

describe('data/preview: what the network sees', () => {
  const table = parseTable('size,garden,price\n2,north,10\n,south,12\n4,south,\n6,north,14\n', '/d/houses.csv', 'csv');
  const pre: PreprocessJson = {
    task: 'regression',
    features: [{ column: 'size', kind: 'numeric' }, { column: 'garden', kind: 'onehot', categories: ['north', 'south'] }],
    inputNames: ['size', 'garden=north', 'garden=south'],
    inputShape: [3],
    normalization: { kind: 'standard', a: [4, 0, 0], b: [2, 1, 1] },
    target: ['price'],
    missing: 'drop',
  };

  it('shows each row as read beside its encoded, normalized input vector; dropped rows say why', () => {
    const p = previewTable(table, pre);
    assert.deepEqual(p.columns, ['size', 'garden', 'price']);
    assert.deepEqual(p.inputNames, ['size', 'garden=north', 'garden=south']);
    assert.deepEqual(p.rows.map((r) => r.line), [2, 3, 4, 5]);
    assert.deepEqual(p.rows[0].values, [2, 'north', 10]);
    assert.deepEqual(p.rows[0].input, [-1, 1, 0]);
    assert.deepEqual(p.rows[3].input, [1, 1, 0]);
    assert.equal(p.rows[1].input, undefined);
    assert.equal(p.rows[1].dropped, 'missing "size" (data.missing is "drop")');
    assert.equal(p.rows[2].dropped, 'no value for the target "price"');
    assert.deepEqual(p.dropped, [
      { reason: 'missing "size" (data.missing is "drop")', count: 1, firstLine: 3 },
      { reason: 'no value for the target "price"', count: 1, firstLine: 4 },
    ]);
    assert.equal(p.total, 4);
  });

  it('with missing "mean", a missing feature is filled, not dropped', () => {
    const p = previewTable(table, { ...pre, missing: 'mean', features: [{ column: 'size', kind: 'numeric', fill: 4 }, pre.features[1]] });
    assert.deepEqual(p.rows[1].input, [0, 0, 1]);
    assert.equal(p.dropped.length, 1);
  });
});
