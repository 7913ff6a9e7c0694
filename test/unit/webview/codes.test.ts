import { strict as assert } from 'node:assert';
import { categoriesOf, codeScene, legendOf, roundPoints, roundsScene } from '../../../webview/model/codes';

describe('webview/model/codes', () => {
  const points = [
    { row: 0, x: 0, y: 0, error: 0.1, label: '10', cluster: 1 },
    { row: 1, x: 1, y: 2, error: 0.4, label: '9', cluster: 0 },
    { row: 2, x: 2, y: 1, error: 0.2, cluster: 1 },
  ];

  it('orders numeric labels by value and colours each category, unlabelled rows apart', () => {
    assert.deepEqual(categoriesOf(points, 'label'), ['9', '10']);
    const dots = (codeScene(points, 200, 100, 'label').shapes[0] as unknown as { children: { cls: string; data: { row: number } }[] }).children;
    assert.deepEqual(dots.map((d) => d.cls), ['sample c1', 'sample c0', 'sample unlabelled']);
    assert.deepEqual(dots.map((d) => d.data.row), [0, 1, 2]);
    assert.deepEqual(legendOf(points, 'cluster'), [{ name: 'cluster 0', cls: 'c0' }, { name: 'cluster 1', cls: 'c1' }]);
  });

  it('takes the accuracy each round ended with from the curves, round 0 being the first fit', () => {
    const epochs = { epoch: new Float64Array([1, 2, 3, 4, 5, 6]), round: new Float64Array([0, 0, 1, 1, 2, 2]), val_accuracy: new Float64Array([0.5, 0.6, 0.65, 0.7, 0.72, 0.75]) };
    const r = roundPoints([{ round: 1, adopted: 30, unlabelled: 100 }, { round: 2, adopted: 60, unlabelled: 100 }], epochs);
    assert.deepEqual(r.map((p) => [p.round, p.adopted, p.accuracy]), [[0, 0, 0.6], [1, 30, 0.7], [2, 60, 0.75]]);
    const scene = roundsScene(r, 300, 200, 'validation accuracy');
    assert.equal(scene.shapes.filter((s) => s.t === 'rect').length, 3);
    assert.equal(scene.shapes.filter((s) => s.t === 'circle').length, 3);
  });
});
