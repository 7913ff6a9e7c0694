// Format 1.1 fields parse, and until their behaviour exists validation refuses them with one error at the
// field itself (format/unsupported.ts); those implemented validate. Also: the row counts validation states after missing values.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpecText } from '../../../src/format/parse';
import { UNSUPPORTED, unsupportedMessage } from '../../../src/format/unsupported';
import { validateSpecFile } from '../../../src/format/validate';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'spec');
const SPEC_PATH = join(FIXTURES, 'case.dlmodel.json');

const base = (extra: { data?: string; model?: string; training?: string; top?: string }) =>
  `{\n  ${extra.top ?? ''}"data": { "source": "people.csv", "target": "sex", "ignore": ["id"]${extra.data ?? ''} },\n` +
  `  "model": { "layers": [ { "type": "dense", "units": 2 } ]${extra.model ?? ''} }${extra.training ? `,\n  "training": { ${extra.training} }` : ''}\n}`;

describe('format 1.1 fields not implemented yet', () => {
  const cases: [string, string, string, string][] = [
  ];
  for (const [name, text, message, under] of cases) {
    it(`${name}: parses, then one error at the field`, async () => {
      assert.deepEqual(parseSpecText(text).problems, [], 'the parser accepts the 1.1 field');
      const { problems, plan } = await validateSpecFile(SPEC_PATH, text);
      const errors = problems.filter((p) => p.severity === 'error');
      assert.deepEqual(errors.map((p) => p.message), [message]);
      assert.equal(text.slice(errors[0].offset, errors[0].offset + errors[0].length), under);
      assert.equal(plan, undefined);
    });
  }

  it('an image folder needs no "target": the class is the sub-folder, named "class"', async () => {
    const text = '{ "data": { "source": "shapes", "image": { "width": 8, "height": 6, "channels": 1 } }, "model": { "layers": [ { "type": "flatten" } ] } }';
    const { problems, description } = await validateSpecFile(join(FIXTURES, 'img.dlmodel.json'), text);
    assert.deepEqual(problems.map((p) => p.message), []);
    assert.deepEqual(description?.target, ['class']);
    assert.ok((description?.classNames?.length ?? 0) >= 2);
  });

  it('categorical and restoreBestWeights are accepted (implemented)', async () => {
    const text = base({ data: ', "categorical": ["garden"]', training: '"earlyStopping": { "restoreBestWeights": true }' });
    const { problems, plan } = await validateSpecFile(SPEC_PATH, text);
    assert.deepEqual(problems.filter((p) => p.severity === 'error'), []);
    assert.equal(plan?.earlyStopping?.restoreBestWeights, true);
  });

  it('covers every gate: whoever implements a feature removes its gate and its case here', () => {
    const tested = [...new Set(cases.map((c) => c[2]))];
    assert.deepEqual(UNSUPPORTED.map(unsupportedMessage).sort(), tested.sort());
  });

  it('new layer options are checked like the others', () => {
    const bad = parseSpecText('{ "data": { "source": "d", "target": "y" }, "model": { "layers": [ { "type": "bidirectional", "layer": { "type": "lstm" }, "mergeMode": "avg" } ] } }');
    assert.deepEqual(bad.problems.map((p) => p.message), [
      'a lstm layer needs "units" (the number of neurons)',
      '"avg" is not a merge mode; allowed: "concat", "sum", "mul", "ave"; did you mean "ave"?',
    ]);
  });
});

describe('rows left after missing values', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dlmodel-rows-'));
    // 12 rows, 9 of them missing a value in a used column.
    const lines = ['a,b,y'];
    for (let i = 0; i < 12; i++) lines.push(i % 4 === 0 ? `${i},${i + 1},${i % 8 === 0 ? 'p' : 'q'}` : `${i},,q`);
    writeFileSync(join(dir, 'gaps.csv'), lines.join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('warns that 2 rows are left for training, naming them, and the plan counts rows after the drop', async () => {
    const text = '{ "data": { "source": "gaps.csv", "target": "y", "validationSplit": 0.25 }, "model": { "layers": [] }, "training": { "batchSize": 8 } }';
    const r = await validateSpecFile(join(dir, 'gaps.dlmodel.json'), text);
    const warnings = r.problems.filter((p) => p.severity === 'warning');
    assert.equal(warnings.length, 1, JSON.stringify(r.problems));
    assert.equal(
      warnings[0].message,
      'after 9 of the 12 rows are dropped for missing values, validationSplit 0.25 leaves 2 training rows (the 3 rows left are lines 2, 6, 10 of gaps.csv, before the validation split), fewer than batchSize 8: each epoch is one batch',
    );
    assert.equal(text.slice(warnings[0].offset, warnings[0].offset + warnings[0].length), '8');
    assert.deepEqual([r.plan?.rows, r.plan?.droppedRows, r.plan?.trainRows, r.plan?.validationRows], [12, 9, 2, 1]);
  });
});
