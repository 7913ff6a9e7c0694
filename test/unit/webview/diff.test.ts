import { strict as assert } from 'node:assert';
import { diffJson, formatChange, runDifferences } from '../../../webview/model/diff';
import { makePlan } from '../../../src/format/plan';
import type { DataDescription } from '../../../src/data/columns';
import type { Spec } from '../../../src/format/types';

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

describe('webview/model/diff: runs compared by their plans', () => {
  const description: DataDescription = {
    task: 'classification', features: [{ column: 'x', kind: 'numeric' }], inputNames: ['x'], inputShape: [1], target: ['y'], classNames: ['a', 'b'], rowCount: 20,
  };
  const run = (training: Spec['training']) => {
    const spec: Spec = { data: { source: 'd.csv', target: 'y' }, model: { layers: [{ type: 'dense', units: 3 }] }, training };
    return { spec, plan: makePlan(spec, { name: 'e', description, usableRows: 20 }) };
  };

  it('a default and the same value written out are no difference', () => {
    const implicit = run({});
    const explicit = run({ optimizer: { type: 'adam', learningRate: 0.001 }, epochs: 50, batchSize: 32 });
    assert.notDeepEqual(diffJson(implicit.spec, explicit.spec), [], 'the specs differ in writing');
    assert.deepEqual(runDifferences(implicit, explicit), []);
  });

  it('a changed learning rate is a difference', () => {
    assert.deepEqual(runDifferences(run({}), run({ learningRate: 0.01 })).map(formatChange), ['learningRate: 0.001 -> 0.01']);
  });

  it('runs without a plan (before format 1.1) are compared by their specs', () => {
    const old = { spec: run({}).spec };
    assert.deepEqual(runDifferences(old, { spec: run({ epochs: 9 }).spec }).map(formatChange), ['training.epochs: (none) -> 9']);
  });
});
