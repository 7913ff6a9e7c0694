// Valid specs parse (comments, trailing commas), defaults are applied in one place, and problems format.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { withDefaults } from '../../../src/format/defaults';
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

describe('withDefaults', () => {
  const spec: Spec = { data: { source: 'd.csv', target: 'y' }, model: { layers: [] }, training: { learningRate: 0.1 } };

  it('fills in every default of the format', () => {
    const d = withDefaults(spec, '/x/iris.dlmodel.json');
    assert.equal(d.name, 'iris');
    assert.deepEqual(
      [d.data.normalize, d.data.missing, d.data.validationSplit, d.data.shuffle, d.model.freeze],
      ['standard', 'drop', 0.2, true, 0],
    );
    assert.deepEqual(d.training, { epochs: 50, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.1 } });
  });

  it('derives loss, metrics, output activation and features from the data description', () => {
    const two = withDefaults(spec, 'a.dlmodel.json', {
      task: 'classification', features: [{ column: 'x', kind: 'numeric' }], inputNames: ['x'], inputShape: [1], target: ['y'], classNames: ['a', 'b'], rowCount: 4,
    });
    assert.deepEqual([two.task, two.training.loss, two.training.metrics, two.model.output.activation, two.data.features], ['classification', 'binaryCrossentropy', ['accuracy'], 'sigmoid', ['x']]);
    const three = withDefaults(spec, 'a.dlmodel.json', {
      task: 'classification', features: [], inputNames: [], inputShape: [1], target: ['y'], classNames: ['a', 'b', 'c'], rowCount: 4,
    });
    assert.deepEqual([three.training.loss, three.model.output.activation], ['categoricalCrossentropy', 'softmax']);
    const reg = withDefaults({ ...spec, training: { loss: 'huberLoss', earlyStopping: {} } }, 'a.dlmodel.json', {
      task: 'regression', features: [], inputNames: [], inputShape: [1], target: ['y'], rowCount: 4,
    });
    assert.deepEqual([reg.training.loss, reg.training.metrics, reg.model.output.activation], ['huberLoss', ['mae'], 'linear']);
    assert.deepEqual(reg.training.earlyStopping, { monitor: 'val_loss', patience: 10, minDelta: 0, restoreBestWeights: false });
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
