// Text and sequence specs: each bad input gets its message at the right place (spec line and column, or
// the data file's line), and a good one gets a plan with the derived layers filled in.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateSpecFile } from '../../../src/format/validate';

let dir: string;
let specPath: string;

const REVIEWS = [
  'review,label,stars',
  '"Great film, loved it",pos,5',
  '"Bad, ""boring"" film",neg,1',
  'great acting,pos,4',
  '"so bad\nit hurts",neg,1',
  'loved the music,pos,5',
  'bad music,neg,2',
].join('\n');

const NUMBERS = ['words,digits', 'one,1', 'twelve,12', 'forty-two,42', 'seven,7', 'ninety,90', 'three hundred,300'].join('\n');

function problemsOf(text: string) {
  return validateSpecFile(specPath, text, { trusted: true });
}

/** The problem whose message contains `message`, with the spec text under its range. */
async function problem(text: string, message: string) {
  const r = await problemsOf(text);
  const p = r.problems.find((q) => q.message.includes(message));
  assert.ok(p, `no problem with "${message}"; got:\n${r.problems.map((q) => `  ${q.line}:${q.column} ${q.message}`).join('\n')}`);
  return { p, under: text.substr(p.offset, p.length), r };
}

function lineCol(text: string, needle: string, from = 0) {
  const offset = text.indexOf(needle, from);
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

describe('text and sequence specs: validation', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dlmodel-text-'));
    specPath = join(dir, 'case.dlmodel.json');
    writeFileSync(join(dir, 'reviews.csv'), REVIEWS);
    writeFileSync(join(dir, 'numbers.csv'), NUMBERS);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const classifier = (data: string, layers: string) => `{\n  "data": ${data},\n  "model": { "layers": [\n    ${layers}\n  ] }\n}`;
  const TEXT_DATA = '{ "source": "reviews.csv", "target": "label", "text": "review", "validationSplit": 0.34, "shuffle": false }';
  const EMB = '{ "type": "embedding", "outputDim": 4 }';

  it('a valid text classifier: embedding inputDim and the input length derived in the plan', async () => {
    const r = await problemsOf(classifier(TEXT_DATA, `${EMB},\n    { "type": "globalAveragePooling1d" }`));
    assert.deepEqual(r.problems.filter((p) => p.severity === 'error'), []);
    const plan = r.plan!;
    assert.equal(plan.text?.column, 'review');
    const emb = plan.layers[1];
    assert.equal(emb.type, 'embedding');
    assert.equal(emb.inputDim, plan.text?.ids);
    assert.deepEqual(plan.inputShape, [plan.text!.maxLength]);
    assert.deepEqual(emb.outputShape, [plan.text!.maxLength, 4]);
    assert.equal(plan.layers[plan.layers.length - 1].units, 1);
  });

  it('a text column of numbers: the data file and the line of the first number', async () => {
    const text = classifier('{ "source": "reviews.csv", "target": "label", "text": "stars" }', EMB);
    const { p, under } = await problem(text, 'column "stars" is not text');
    assert.equal(p.file, join(dir, 'reviews.csv'));
    assert.equal(p.line, 2);
    assert.equal(under, '"stars"');
  });

  it('a text input without an embedding first', async () => {
    const text = classifier(TEXT_DATA, '{ "type": "dense", "units": 4 }');
    const { p, under } = await problem(text, 'the first layer must be { "type": "embedding"');
    assert.equal(under, '"dense"');
    assert.deepEqual({ line: p.line, column: p.column }, lineCol(text, '"dense"'));
  });

  it('an embedding that is not the first layer', async () => {
    const text = classifier(TEXT_DATA, `${EMB},\n    ${EMB.replace('4', '3')}`);
    const { p, under } = await problem(text, 'embedding must be the first layer');
    assert.equal(under, '"embedding"');
    assert.deepEqual({ line: p.line, column: p.column }, lineCol(text, '"embedding"', text.indexOf('"outputDim": 4')));
  });

  it('"features" beside "text"', async () => {
    const text = classifier('{ "source": "reviews.csv", "target": "label", "text": "review", "features": ["stars"] }', EMB);
    const { under } = await problem(text, 'remove "features"');
    assert.equal(under, '"features"');
  });

  const sequence = (layers: string) =>
    `{\n  "task": "sequence",\n  "data": { "source": "numbers.csv", "text": "words", "target": "digits", "targetText": { "tokens": "characters" } },\n  "model": { "layers": [\n    ${layers}\n  ] }\n}`;

  it('a sequence task whose last layer gives one vector: says to add repeatVector and an RNN with returnSequences', async () => {
    const text = sequence(`${EMB},\n    { "type": "lstm", "units": 8 }`);
    const { p, under } = await problem(text, 'a sequence task needs one vector per output position');
    assert.match(p.message, /repeatVector/);
    assert.match(p.message, /"returnSequences": true/);
    assert.equal(under, '"lstm"');
    assert.deepEqual({ line: p.line, column: p.column }, lineCol(text, '"lstm"'));
  });

  it('a valid sequence task: repeatVector n and the per-position softmax output derived', async () => {
    const r = await problemsOf(sequence(`${EMB},\n    { "type": "lstm", "units": 8 },\n    { "type": "repeatVector" },\n    { "type": "lstm", "units": 8, "returnSequences": true }`));
    assert.deepEqual(r.problems.filter((p) => p.severity === 'error'), []);
    const plan = r.plan!;
    const target = plan.targetText!;
    assert.equal(target.tokens, 'characters');
    assert.equal(target.maxLength, 3); // the longest training target
    const repeat = plan.layers.find((l) => l.type === 'repeatVector')!;
    assert.equal(repeat.n, 3);
    const out = plan.layers[plan.layers.length - 1];
    assert.equal(out.type, 'timeDistributed');
    assert.deepEqual(out.outputShape, [3, target.ids]);
    assert.equal(plan.loss, 'sparseCategoricalCrossentropy');
    assert.deepEqual(plan.metrics, ['tokenAccuracy', 'sequenceAccuracy']);
  });

  it('a sequence task without text, and targetText without a sequence task', async () => {
    const text = '{\n  "task": "sequence",\n  "data": { "source": "numbers.csv", "target": "digits" },\n  "model": { "layers": [] }\n}';
    const { under } = await problem(text, 'a sequence task predicts a text from a text');
    assert.equal(under, '"sequence"');
    const t2 = classifier('{ "source": "reviews.csv", "target": "label", "text": "review", "targetText": { "tokens": "words" } }', EMB);
    const { under: u2 } = await problem(t2, '"targetText" is for a sequence task');
    assert.equal(u2, '"targetText"');
  });

  it('sequence metrics only for sequence tasks', async () => {
    const text = `{\n  "data": ${TEXT_DATA},\n  "model": { "layers": [ ${EMB}, { "type": "globalAveragePooling1d" } ] },\n  "training": { "metrics": ["tokenAccuracy"] }\n}`;
    const { under } = await problem(text, 'tokenAccuracy measures a predicted text');
    assert.equal(under, '"tokenAccuracy"');
  });
});
