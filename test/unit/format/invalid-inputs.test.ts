// A table of invalid specs: each must give its message at exactly the right place.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Problem } from '../../../src/format/problems';
import { validateSpecFile, type ValidateOptions } from '../../../src/format/validate';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'spec');
const SPEC_PATH = join(FIXTURES, 'case.dlmodel.json');

const DATA = '{ "source": "people.csv", "target": "sex", "ignore": ["id"] }';
const MODEL = '{ "layers": [ { "type": "dense", "units": 2, "activation": "sigmoid" } ] }';

function spec(parts: { data?: string; model?: string; training?: string; predict?: string; extra?: string }): string {
  const lines = ['{', '  // a test experiment'];
  if (parts.extra !== undefined) lines.push(`  ${parts.extra},`);
  lines.push(`  "data": ${parts.data ?? DATA},`);
  lines.push(`  "model": ${parts.model ?? MODEL},`);
  if (parts.training !== undefined) lines.push(`  "training": ${parts.training},`);
  if (parts.predict !== undefined) lines.push(`  "predict": ${parts.predict},`);
  lines.push('}');
  return lines.join('\n');
}

interface Case {
  name: string;
  text: string;
  message: string;
  /** The exact text the problem's range must cover. */
  under: string;
  /** Search for `under` after this text (to disambiguate). */
  after?: string;
  severity?: 'error' | 'warning';
  opts?: ValidateOptions;
}

/** 1-based line and column of an offset, counted independently of the code under test. */
function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

const CASES: Case[] = [
  // ---- syntax ----
  { name: 'missing comma between properties', text: '{\n  "data": {}\n  "model": {}\n}', message: 'expected "," between items', under: '"model"' },
  { name: 'unclosed string', text: '{\n  "name": "abc\n}', message: 'string is not closed', under: '"abc' },
  { name: 'text after the object', text: spec({}) + '\nx', message: 'unexpected character', under: 'x', after: '}\n' },
  { name: 'empty file', text: '', message: 'the file is empty', under: '' },
  { name: 'top level is a list', text: '[1, 2]', message: 'must be an object', under: '[1, 2]' },
  // ---- structure ----
  { name: 'missing data', text: '{ "model": { "layers": [] } }', message: 'needs "data"', under: '{ "model": { "layers": [] } }' },
  { name: 'missing target', text: spec({ data: '{ "source": "people.csv" }' }), message: 'data needs "target"', under: '{ "source": "people.csv" }' },
  { name: 'epochs as a string', text: spec({ training: '{ "epochs": "100" }' }), message: '"training.epochs" must be a whole number, at least 1; got "100"', under: '"100"' },
  { name: 'epochs zero', text: spec({ training: '{ "epochs": 0 }' }), message: 'at least 1; got 0', under: '0', after: '"epochs": ' },
  { name: 'epochs fractional', text: spec({ training: '{ "epochs": 2.5 }' }), message: 'whole number', under: '2.5' },
  {
    name: 'validationSplit of 1',
    text: spec({ data: '{ "source": "people.csv", "target": "sex", "validationSplit": 1 }' }),
    message: 'from 0 up to (not including) 1',
    under: '1',
    after: '"validationSplit": ',
  },
  {
    name: 'misspelled activation',
    text: spec({ model: '{ "layers": [ { "type": "dense", "units": 2, "activation": "sigmoidd" } ] }' }),
    message: 'did you mean "sigmoid"?',
    under: '"sigmoidd"',
  },
  {
    name: 'activation list named',
    text: spec({ model: '{ "layers": [ { "type": "dense", "units": 2, "activation": "leaky" } ] }' }),
    message: 'allowed: "linear", "relu"',
    under: '"leaky"',
  },
  { name: 'misspelled layer type', text: spec({ model: '{ "layers": [ { "type": "denze", "units": 2 } ] }' }), message: 'did you mean "dense"?', under: '"denze"' },
  {
    name: 'units on dropout',
    text: spec({ model: '{ "layers": [ { "type": "dropout", "rate": 0.2, "units": 3 } ] }' }),
    message: '"units" is not an option of a dropout layer',
    under: '"units"',
  },
  { name: 'dense without units', text: spec({ model: '{ "layers": [ { "type": "dense" } ] }' }), message: 'a dense layer needs "units"', under: '{ "type": "dense" }' },
  { name: 'dropout rate too big', text: spec({ model: '{ "layers": [ { "type": "dropout", "rate": 1.5 } ] }' }), message: 'up to (not including) 1', under: '1.5' },
  {
    name: 'conv2d needs filters',
    text: spec({ model: '{ "layers": [ { "type": "conv2d", "kernelSize": 3 } ] }' }),
    message: 'a conv2d layer needs "filters"',
    under: '{ "type": "conv2d", "kernelSize": 3 }',
  },
  {
    name: 'misspelled top-level property',
    text: spec({ extra: '"trainig": {}' }),
    message: 'unknown property "trainig" in the experiment; did you mean "training"?',
    under: '"trainig"',
    severity: 'warning',
  },
  {
    name: 'snake_case option',
    text: spec({ training: '{ "batch_size": 8 }' }),
    message: 'did you mean "batchSize"?',
    under: '"batch_size"',
    severity: 'warning',
  },
  {
    name: 'unknown normalize',
    text: spec({ data: '{ "source": "people.csv", "target": "sex", "normalize": "zscore" }' }),
    message: 'allowed: "standard", "minmax", "none"',
    under: '"zscore"',
  },
  { name: 'unknown optimizer', text: spec({ training: '{ "optimizer": "adamw" }' }), message: 'is not an optimizer', under: '"adamw"' },
  { name: 'metric listed twice', text: spec({ training: '{ "metrics": ["accuracy", "accuracy"] }' }), message: 'listed twice', under: '"accuracy"', after: '"accuracy", ' },
  {
    name: 'row value is an object',
    text: spec({ data: '{ "rows": [ { "a": 1, "b": { "x": 1 } } ], "target": "a" }' }),
    message: 'column "b" must hold a number',
    under: '{ "x": 1 }',
  },
  {
    name: 'kernelSize pair too short',
    text: spec({ model: '{ "layers": [ { "type": "conv2d", "filters": 4, "kernelSize": [3] } ] }' }),
    message: 'at least 2 items',
    under: '[3]',
  },
  { name: 'duplicate property', text: spec({ training: '{ "epochs": 5, "epochs": 6 }' }), message: 'given twice', under: '"epochs"', after: '5, ' },
  // ---- semantics: data ----
  {
    name: 'both source and rows',
    text: spec({ data: '{ "source": "people.csv", "rows": [ { "a": 1 } ], "target": "sex" }' }),
    message: 'either "source" or "rows", not both',
    under: '"rows"',
  },
  { name: 'neither source nor rows', text: spec({ data: '{ "target": "sex" }' }), message: 'data needs "source"', under: '{ "target": "sex" }' },
  { name: 'data file not found', text: spec({ data: '{ "source": "nope.csv", "target": "sex" }' }), message: 'data source "nope.csv" not found', under: '"nope.csv"' },
  {
    name: 'misspelled target column',
    text: spec({ data: '{ "source": "people.csv", "target": "sexx" }' }),
    message: 'no column "sexx" in the data; did you mean "sex"?',
    under: '"sexx"',
  },
  {
    name: 'misspelled feature column',
    text: spec({ data: '{ "source": "people.csv", "target": "sex", "features": ["weight", "heigth"] }' }),
    message: 'did you mean "height"?',
    under: '"heigth"',
  },
  {
    name: 'target used as a feature',
    text: spec({ data: '{ "source": "people.csv", "target": "sex", "features": ["weight", "sex"] }' }),
    message: 'cannot be both the target and a feature',
    under: '"sex"',
    after: '"weight", ',
  },
  {
    name: 'path outside an untrusted workspace',
    text: spec({ data: '{ "source": "../outside.csv", "target": "sex" }' }),
    message: 'outside the workspace folder',
    under: '"../outside.csv"',
    opts: { trusted: false, workspaceRoot: FIXTURES },
  },
  {
    name: 'image folder without image size',
    text: spec({ data: '{ "source": "shapes", "target": "shape" }', model: '{ "layers": [] }' }),
    message: 'an image folder needs "image"',
    under: '{ "source": "shapes", "target": "shape" }',
  },
  // ---- semantics: shapes ----
  {
    name: 'conv2d on tabular data',
    text: spec({ model: '{ "layers": [ { "type": "conv2d", "filters": 4, "kernelSize": 3 } ] }' }),
    message: 'conv2d needs an image [height, width, channels], but it gets a flat vector of 5 values',
    under: '"conv2d"',
  },
  {
    name: 'dense after conv2d without flatten',
    text: spec({
      data: '{ "source": "shapes", "target": "shape", "image": { "width": 8, "height": 8, "channels": 1 } }',
      model: '{ "layers": [ { "type": "conv2d", "filters": 4, "kernelSize": 3 }, { "type": "dense", "units": 4 } ] }',
    }),
    message: 'a dense layer needs a flat input, but it gets an image [6, 6, 4]',
    under: '"dense"',
  },
  {
    name: 'image model ending without flatten',
    text: spec({
      data: '{ "source": "shapes", "target": "shape", "image": { "width": 8, "height": 8, "channels": 1 } }',
      model: '{ "layers": [ { "type": "conv2d", "filters": 4, "kernelSize": 3 } ] }',
    }),
    message: 'the output layer needs a flat vector',
    under: '"conv2d"',
  },
  { name: 'lstm on tabular data', text: spec({ model: '{ "layers": [ { "type": "lstm", "units": 4 } ] }' }), message: 'lstm needs a sequence', under: '"lstm"' },
  { name: 'flatten on tabular data', text: spec({ model: '{ "layers": [ { "type": "flatten" } ] }' }), message: 'input is already a flat vector', under: '"flatten"' },
  {
    name: 'reshape to the wrong size',
    text: spec({ model: '{ "layers": [ { "type": "reshape", "targetShape": [3, 2] } ] }' }),
    message: 'holds 6 values, but the input [5] has 5',
    under: '[3, 2]',
  },
  {
    name: 'embedding not first',
    text: spec({ model: '{ "layers": [ { "type": "dense", "units": 2 }, { "type": "embedding", "inputDim": 10, "outputDim": 2 } ] }' }),
    message: 'embedding must be the first layer',
    under: '"embedding"',
  },
  // ---- semantics: training ----
  {
    name: 'binaryCrossentropy on a regression',
    text: spec({ data: '{ "source": "people.csv", "target": "score", "ignore": ["id"] }', training: '{ "loss": "binaryCrossentropy" }' }),
    message: 'binaryCrossentropy is a classification loss, but this experiment is a regression',
    under: '"binaryCrossentropy"',
  },
  {
    name: 'meanSquaredError on a classification',
    text: spec({ training: '{ "loss": "meanSquaredError" }' }),
    message: 'meanSquaredError is a regression loss',
    under: '"meanSquaredError"',
    severity: 'warning',
  },
  {
    name: 'binaryCrossentropy with more than two classes',
    text: spec({ data: '{ "rows": [ { "x": 1, "k": "a" }, { "x": 2, "k": "b" }, { "x": 3, "k": "c" } ], "target": "k" }', training: '{ "loss": "binaryCrossentropy" }' }),
    message: 'binaryCrossentropy scores each class separately',
    under: '"binaryCrossentropy"',
    severity: 'warning',
  },
  {
    name: 'softmax output with two classes',
    text: spec({ model: '{ "layers": [], "output": { "activation": "softmax" } }' }),
    message: 'softmax over one unit always gives 1',
    under: '"softmax"',
    severity: 'warning',
  },
  {
    name: 'accuracy on a regression',
    text: spec({ data: '{ "source": "people.csv", "target": "score", "ignore": ["id"] }', training: '{ "metrics": ["mae", "accuracy"] }' }),
    message: 'accuracy counts right and wrong classes, but this experiment is a regression',
    under: '"accuracy"',
  },
  {
    name: 'early stopping on an unknown value',
    text: spec({ training: '{ "earlyStopping": { "monitor": "val_acc" } }' }),
    message: 'cannot monitor "val_acc"',
    under: '"val_acc"',
  },
  {
    name: 'regression with a text target',
    text: spec({ extra: '"task": "regression"' }),
    message: 'regression needs a numeric target, but "sex" holds "man" at line 2 of people.csv',
    under: '"regression"',
  },
  // ---- semantics: predict and transfer ----
  {
    name: 'predict input lacks a feature',
    text: spec({ predict: '{ "inputs": [ { "weight": 70, "garden": "north" } ] }' }),
    message: 'predict input 1 lacks "height", "score"',
    under: '{ "weight": 70, "garden": "north" }',
  },
  {
    name: 'predict input with text for a number',
    text: spec({ predict: '{ "inputs": [ { "weight": "heavy", "height": 170, "garden": "north", "score": 3 } ] }' }),
    message: '"weight" is a numeric feature; got "heavy"',
    under: '"heavy"',
  },
  {
    name: 'image model input without a file',
    text: spec({
      data: '{ "source": "shapes", "target": "shape", "image": { "width": 8, "height": 8, "channels": 1 } }',
      model: '{ "layers": [ { "type": "flatten" } ] }',
      predict: '{ "inputs": [ { "file": "shapes/circle/c1.png" }, { "picture": "c.png" } ] }',
    }),
    message: 'predict input 2 needs "file"',
    under: '{ "picture": "c.png" }',
  },
  {
    name: 'image model input file not found',
    text: spec({
      data: '{ "source": "shapes", "target": "shape", "image": { "width": 8, "height": 8, "channels": 1 } }',
      model: '{ "layers": [ { "type": "flatten" } ] }',
      predict: '{ "inputs": [ { "file": "shapes/circle/c9.png" } ] }',
    }),
    message: 'image "shapes/circle/c9.png" not found',
    under: '"shapes/circle/c9.png"',
  },
  { name: 'transfer base not found', text: spec({ model: '{ "from": "no-such-run", "layers": [] }' }), message: 'run folder "no-such-run" not found', under: '"no-such-run"' },
  {
    name: 'freeze without from',
    text: spec({ model: '{ "layers": [], "freeze": 1 }' }),
    message: '"freeze" has no effect without "from"',
    under: '"freeze"',
    severity: 'warning',
  },
];

describe('invalid specs: message and exact range', () => {
  it('has at least 25 distinct cases', () => {
    assert.ok(CASES.length >= 25);
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const { problems } = await validateSpecFile(SPEC_PATH, c.text, c.opts);
      const p = problems.find((q: Problem) => q.message.includes(c.message));
      assert.ok(p, `no problem with "${c.message}"; got:\n${problems.map((q) => `  ${q.line}:${q.column} ${q.message}`).join('\n')}`);
      const from = c.after !== undefined ? c.text.indexOf(c.after) + c.after.length : 0;
      const offset = c.text.indexOf(c.under, from);
      assert.ok(offset >= 0, 'test case: `under` not found in the text');
      assert.equal(c.text.substr(p.offset, p.length), c.under, 'text under the range');
      assert.equal(p.offset, offset, 'offset');
      assert.equal(p.length, c.under.length, 'length');
      assert.deepEqual({ line: p.line, column: p.column }, position(c.text, offset), 'line and column');
      assert.equal(p.severity, c.severity ?? 'error');
    });
  }
});

describe('problems in data files', () => {
  it('a ragged CSV row is reported with its CSV line and file', async () => {
    const text = spec({ data: '{ "source": "ragged.csv", "target": "label" }' });
    const { problems } = await validateSpecFile(SPEC_PATH, text);
    const p = problems.find((q) => q.file !== undefined);
    assert.ok(p, JSON.stringify(problems));
    assert.equal(p.file, join(FIXTURES, 'ragged.csv'));
    assert.equal(p.line, 3);
    assert.match(p.message, /ragged\.csv, line 3: row has 2 fields but the header has 3/);
    assert.equal(text.substr(p.offset, p.length), '"ragged.csv"', 'the range is the source in the spec');
  });

  it('a valid spec has no problems, and validation never throws on garbage', async () => {
    const ok = await validateSpecFile(SPEC_PATH, spec({}));
    assert.deepEqual(ok.problems, []);
    assert.ok(ok.description);
    for (const junk of ['{', '}', '{"data": [}', 'null', '"x"', '{"data": {"source": 5, "target": []}, "model": {"layers": {}}}', '\u0000']) {
      const r = await validateSpecFile(SPEC_PATH, junk);
      assert.ok(r.problems.some((p) => p.severity === 'error'), junk);
    }
  });

  it('a missing spec file is a problem, not an exception', async () => {
    const r = await validateSpecFile(join(FIXTURES, 'does-not-exist.dlmodel.json'));
    assert.match(r.problems[0].message, /cannot read the spec: file not found/);
  });
});
