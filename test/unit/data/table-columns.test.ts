// describeData: the derived input and output layers from a table or an image folder.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { describeData, inferTask } from '../../../src/data/columns';
import { listImageFolder } from '../../../src/data/image-folder';
import { DataError, tableFromRows } from '../../../src/data/table';
import type { Spec } from '../../../src/format/types';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'spec');

function specOf(data: Partial<Spec['data']>, task?: Spec['task']): Spec {
  const s: Spec = { data: { target: 'y', ...data }, model: { layers: [] } };
  if (task) s.task = task;
  return s;
}

const rows = [
  { id: 1, w: 80, garden: 'north', y: 'man' },
  { id: 2, w: 60, garden: 'south', y: 'woman' },
  { id: 3, w: 70, garden: 'east', y: 'man' },
];

describe('describeData', () => {
  it('uses every column but target and ignore as features; text columns one-hot with sorted categories', () => {
    const d = describeData(specOf({ ignore: ['id'] }), tableFromRows(rows, 's'));
    assert.equal(d.task, 'classification');
    assert.deepEqual(d.features, [
      { column: 'w', kind: 'numeric' },
      { column: 'garden', kind: 'onehot', categories: ['east', 'north', 'south'] },
    ]);
    assert.deepEqual(d.inputNames, ['w', 'garden=east', 'garden=north', 'garden=south']);
    assert.deepEqual(d.inputShape, [4]);
    assert.deepEqual(d.classNames, ['man', 'woman']);
    assert.deepEqual(d.target, ['y']);
    assert.equal(d.rowCount, 3);
  });

  it('keeps the listed features in their order', () => {
    const d = describeData(specOf({ features: ['garden', 'id'] }), tableFromRows(rows, 's'));
    assert.deepEqual(d.inputNames, ['garden=east', 'garden=north', 'garden=south', 'id']);
  });

  it('infers the task from the target', () => {
    assert.equal(inferTask(['a', 'b']), 'classification');
    assert.equal(inferTask([true, false]), 'classification');
    assert.equal(inferTask([0, 1, 1, 0]), 'classification');
    assert.equal(inferTask([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 'classification');
    assert.equal(inferTask([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'regression');
    assert.equal(inferTask([0.5, 1, 1]), 'regression');
  });

  it('sorts numeric class names numerically', () => {
    const t = tableFromRows([{ x: 1, y: 10 }, { x: 2, y: 2 }, { x: 3, y: 1 }, { x: 4, y: 2 }], 's');
    const d = describeData(specOf({}), t);
    assert.deepEqual(d.classNames, ['1', '2', '10']);
  });

  it('ignores missing target values when inferring', () => {
    const t = tableFromRows([{ x: 1, y: 1.5 }, { x: 2, y: 'NA' }, { x: 3, y: 2.25 }], 's');
    const d = describeData(specOf({}), t);
    assert.equal(d.task, 'regression');
    assert.equal(d.classNames, undefined);
  });

  it('an explicit task wins over inference', () => {
    const t = tableFromRows([{ x: 1, y: 0 }, { x: 2, y: 1 }], 's');
    assert.equal(describeData(specOf({}, 'regression'), t).task, 'regression');
  });

  it('a list of targets is a multi-output regression', () => {
    const t = tableFromRows([{ x: 1, a: 0.5, b: 2 }, { x: 2, a: 1.5, b: 3 }], 's');
    const d = describeData(specOf({ target: ['a', 'b'] }), t);
    assert.equal(d.task, 'regression');
    assert.deepEqual(d.target, ['a', 'b']);
    assert.deepEqual(d.inputNames, ['x']);
  });

  it('booleans are numeric features', () => {
    const t = tableFromRows([{ x: true, y: 'a' }, { x: false, y: 'b' }], 's');
    assert.deepEqual(describeData(specOf({}), t).features, [{ column: 'x', kind: 'numeric' }]);
  });

  it('throws a DataError for a column that is not there', () => {
    assert.throws(() => describeData(specOf({ target: 'nope' }), tableFromRows(rows, 's')), DataError);
  });

  it('describes an image folder: [h, w, c] and sub-folder class names', async () => {
    const folder = await listImageFolder(join(FIXTURES, 'shapes'));
    assert.deepEqual(folder.classes, ['circle', 'square']);
    assert.deepEqual(
      folder.files.map((f) => [f.label, f.path.slice(folder.dir.length + 1)]),
      [
        ['circle', join('circle', 'c1.png')],
        ['circle', join('circle', 'c2.png')],
        ['square', join('square', 's1.png')],
        ['square', join('square', 's2.jpg')],
      ],
    );
    const d = describeData(specOf({ target: 'shape', image: { width: 32, height: 24, channels: 3 } }), folder);
    assert.equal(d.task, 'classification');
    assert.deepEqual(d.inputShape, [24, 32, 3]);
    assert.deepEqual(d.classNames, ['circle', 'square']);
    assert.equal(d.rowCount, 4);
  });

  it('refuses a folder without class sub-folders', async () => {
    await assert.rejects(listImageFolder(join(FIXTURES, 'shapes', 'circle')), /one sub-folder per class/);
    await assert.rejects(listImageFolder(join(FIXTURES, 'nope')), /folder not found/);
  });
});
