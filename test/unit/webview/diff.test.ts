import { strict as assert } from 'node:assert';
import { diffJson, formatChange } from '../../../webview/model/diff';

describe('webview/model/diff: spec differences between runs', () => {
  it('lists changed, added and removed paths with old -> new values', () => {
    const a = { name: 'iris', model: { layers: [{ type: 'dense', units: 8 }] }, training: { epochs: 50, seed: 1 } };
    const b = { name: 'iris', model: { layers: [{ type: 'dense', units: 16 }, { type: 'dropout', rate: 0.1 }] }, training: { epochs: 100, learningRate: 0.01 } };
    const lines = diffJson(a, b).map(formatChange);
    assert.deepEqual(lines, [
      'model.layers[0].units: 8 -> 16',
      'model.layers[1]: (none) -> {"type":"dropout","rate":0.1}',
      'training.epochs: 50 -> 100',
      'training.seed: 1 -> (none)',
      'training.learningRate: (none) -> 0.01',
    ]);
  });

  it('finds nothing between equal specs', () => {
    assert.deepEqual(diffJson({ a: [1, { b: null }] }, { a: [1, { b: null }] }), []);
  });

  it('quotes keys that are not identifiers and reports type changes', () => {
    assert.deepEqual(diffJson({ 'x-y': 1 }, { 'x-y': '1' }).map(formatChange), ['["x-y"]: 1 -> "1"']);
    assert.deepEqual(diffJson({ o: { a: 1 } }, { o: [1] }).map(formatChange), ['o: {"a":1} -> [1]']);
  });
});
