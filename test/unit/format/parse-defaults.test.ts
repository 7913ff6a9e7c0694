// Valid specs parse (comments, trailing commas), defaults are applied in one place, and problems format.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { makePlan } from '../../../src/format/plan';
import type { DataDescription } from '../../../src/data/columns';
import { parseSpecText } from '../../../src/format/parse';
import { formatProblem } from '../../../src/format/problems';
import { nearest } from '../../../src/format/suggest';
import { validateSpecFile } from '../../../src/format/validate';
import type { Spec } from '../../../src/format/types';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'spec');

describe('parseSpecText', () => {
  it('accepts comments, trailing commas and $schema', () => {
    const r = parseSpecText(`{
      "$schema": "../schemas/dlmodel.schema.json", // editor hint
      /* block comment */
      "data": { "rows": [ { "x": 1, "y": "a" }, ], "target": "y", },
      "model": { "layers": [ { "type": "dense", "units": 3, "activation": "relu", }, ], },
    }`);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.spec, { data: { rows: [{ x: 1, y: 'a' }], target: 'y' }, model: { layers: [{ type: 'dense', units: 3, activation: 'relu' }] } });
  });

  it('returns no spec when there is an error, but a spec with warnings', () => {
    assert.equal(parseSpecText('{"data": {"rows": [{"a": 1}], "target": "a"}, "model": {"layers": [{"type": "dense"}]}}').spec, undefined);
    const w = parseSpecText('{"data": {"rows": [{"a": 1}], "target": "a"}, "model": {"layers": []}, "note": 1}');
    assert.ok(w.spec);
    assert.equal(w.problems[0].severity, 'warning');
  });

  it('points a syntax error at its place with its JSON path', () => {
    const r = parseSpecText('{\n  "training": { "epochs": 5 "batchSize": 3 }\n}');
    assert.equal(r.problems[0].line, 2);
    assert.equal(r.problems[0].column, 29);
    assert.deepEqual(r.problems[0].path, ['training', 'batchSize']);
  });

  it('suggests near names only when they are near', () => {
    assert.equal(nearest('epoch', ['epochs', 'batchSize']), 'epochs');
    assert.equal(nearest('lr', ['learningRate', 'epochs']), 'learningRate');
    assert.equal(nearest('validation_split', ['validationSplit']), 'validationSplit');
    assert.equal(nearest('colour', ['epochs', 'batchSize']), undefined);
  });
});

describe('makePlan', () => {
  const spec: Spec = { data: { source: 'd.csv', target: 'y' }, model: { layers: [] }, training: { learningRate: 0.1 } };
  const two: DataDescription = {
    task: 'classification', features: [{ column: 'x', kind: 'numeric' }], inputNames: ['x'], inputShape: [1], target: ['y'], classNames: ['a', 'b'], rowCount: 4,
  };
  const plan = (s: Spec, d: DataDescription, usableRows = d.rowCount) => makePlan(s, { name: 'iris', description: d, usableRows });

  it('fills in every default of the format', () => {
    const p = plan(spec, two);
    assert.deepEqual(
      [p.name, p.normalize, p.missing, p.validationSplit, p.shuffle, p.freeze, p.epochs, p.batchSize, p.optimizer, p.learningRate],
      ['iris', 'standard', 'drop', 0.2, true, 0, 50, 32, 'adam', 0.1],
    );
    assert.equal(p.earlyStopping, undefined);
    assert.equal(p.seed, undefined);
  });

  it("fills in the optimizer's own learning rate once, and the object form wins over the shorthand", () => {
    assert.equal(plan({ ...spec, training: { optimizer: 'sgd' } }, two).learningRate, 0.01);
    assert.equal(plan({ ...spec, training: {} }, two).learningRate, 0.001);
    assert.equal(plan({ ...spec, training: { optimizer: { type: 'adamax' } } }, two).learningRate, 0.002);
    assert.equal(plan({ ...spec, training: { optimizer: { type: 'sgd', learningRate: 0.5 }, learningRate: 0.1 } }, two).learningRate, 0.5);
  });

  it('derives loss, metrics and the output layer from the data description', () => {
    const p2 = plan(spec, two);
    const out2 = p2.layers[p2.layers.length - 1];
    assert.deepEqual([p2.task, p2.loss, p2.metrics, out2.activation, out2.units, out2.derived], ['classification', 'binaryCrossentropy', ['accuracy'], 'sigmoid', 1, 'output']);
    const p3 = plan(spec, { ...two, features: [], inputNames: [], classNames: ['a', 'b', 'c'] });
    const out3 = p3.layers[p3.layers.length - 1];
    assert.deepEqual([p3.loss, out3.activation, out3.units], ['categoricalCrossentropy', 'softmax', 3]);
    const reg = plan({ ...spec, training: { loss: 'huberLoss', earlyStopping: {} } }, { task: 'regression', features: [], inputNames: [], inputShape: [1], target: ['y'], rowCount: 4 });
    assert.deepEqual([reg.loss, reg.metrics, reg.layers[reg.layers.length - 1].activation], ['huberLoss', ['mae'], 'linear']);
    assert.deepEqual(reg.earlyStopping, { monitor: 'val_loss', patience: 10, minDelta: 0, restoreBestWeights: false });
  });

  it('counts train and validation rows after missing values, as the split does', () => {
    const p = plan({ ...spec, data: { ...spec.data, validationSplit: 0.25 } }, { ...two, rowCount: 12 }, 3);
    assert.deepEqual([p.rows, p.droppedRows, p.trainRows, p.validationRows], [12, 9, 2, 1]);
  });

  it('gives every layer all its options, output shape and parameters, the derived ones included', () => {
    const p = plan({ ...spec, model: { layers: [{ type: 'dense', units: 4 }, { type: 'batchNormalization' }] } }, two);
    assert.deepEqual(
      p.layers.map((l) => [l.type, l.name, l.outputShape, l.params, l.nonTrainableParams]),
      [
        ['input', 'input', [1], 0, 0],
        ['dense', 'dense_1', [4], 8, 0],
        ['batchNormalization', 'batchNormalization_1', [4], 16, 8],
        ['dense', 'output', [1], 5, 0],
      ],
    );
    assert.deepEqual([p.layers[1].activation, p.layers[1].useBias], ['linear', true]);
    assert.deepEqual(p.params, { total: 29, trainable: 21, nonTrainable: 8 });
  });
});

describe('validateSpecFile', () => {
  it('describes the data of a valid spec', async () => {
    const r = await validateSpecFile(join(FIXTURES, 'course.dlmodel.json'));
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.description?.inputNames, ['weight', 'height']);
    assert.deepEqual(r.description?.classNames, ['man', 'woman']);
    assert.equal(r.table?.lines[0], 7);
  });

  it('accepts an image folder with its size', async () => {
    const text = '{ "data": { "source": "shapes", "target": "shape", "image": { "width": 8, "height": 6, "channels": 1 } }, "model": { "layers": [ { "type": "flatten" } ] } }';
    const r = await validateSpecFile(join(FIXTURES, 'img.dlmodel.json'), text);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.description?.inputShape, [6, 8, 1]);
    assert.deepEqual(r.images?.classes, ['circle', 'square']);
  });

  it('allows paths outside the workspace when it is trusted', async () => {
    const text = '{ "data": { "source": "../spec/people.csv", "target": "sex" }, "model": { "layers": [] } }';
    const untrusted = await validateSpecFile(join(FIXTURES, 'x.dlmodel.json'), text, { workspaceRoot: FIXTURES, trusted: false });
    assert.equal(untrusted.problems.length, 0, 'inside the workspace: fine');
    const outside = '{ "data": { "source": "../../fixtures/spec/people.csv", "target": "sex" }, "model": { "layers": [] } }';
    const refused = await validateSpecFile(join(FIXTURES, 'x.dlmodel.json'), outside, { workspaceRoot: join(FIXTURES, 'shapes'), trusted: false });
    assert.match(refused.problems[0].message, /outside the workspace folder/);
    const trusted = await validateSpecFile(join(FIXTURES, 'x.dlmodel.json'), outside, { workspaceRoot: join(FIXTURES, 'shapes'), trusted: true });
    assert.deepEqual(trusted.problems, []);
  });

  it('a mostly numeric column with text in it is an error naming the line, unless it is categorical', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `{ "x": ${i === 5 ? '"n/a?"' : i}, "y": "${i % 2 ? 'a' : 'b'}" }`).join(',\n');
    const r = await validateSpecFile(join(FIXTURES, 'x.dlmodel.json'), `{ "data": { "rows": [\n${rows}\n], "target": "y" }, "model": { "layers": [] } }`);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].severity, 'error');
    assert.match(r.problems[0].message, /column "x" holds numbers, but line 7 of x\.dlmodel\.json has "n\/a\?"/);
    const c = await validateSpecFile(join(FIXTURES, 'x.dlmodel.json'), `{ "data": { "rows": [\n${rows}\n], "target": "y", "categorical": ["x"] }, "model": { "layers": [] } }`);
    assert.deepEqual(c.problems.filter((p) => p.severity === 'error'), []);
    assert.equal(c.description?.features[0].kind, 'onehot');
    assert.equal(c.description?.features[0].categories?.length, 12);
  });
});

describe('formatProblem', () => {
  it('prints FILE:LINE:COL: message, warnings marked, data files by their own name', () => {
    const base = { path: [], offset: 0, length: 1, line: 3, column: 7 };
    assert.equal(formatProblem('a.dlmodel.json', { ...base, message: 'bad', severity: 'error' }), 'a.dlmodel.json:3:7: bad');
    assert.equal(formatProblem('a.dlmodel.json', { ...base, message: 'hm', severity: 'warning' }), 'a.dlmodel.json:3:7: warning: hm');
    assert.equal(formatProblem('a.dlmodel.json', { ...base, message: 'x', severity: 'error', file: 'd.csv' }), 'd.csv:3:7: x');
  });
});
