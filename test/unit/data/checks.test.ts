import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkData, type CheckOptions } from '../../../src/data/checks';
import { parseTable } from '../../../src/data/table';
import { splitIndices } from '../../../src/data/split';
import { validateSpecFile } from '../../../src/format/validate';
import type { Spec } from '../../../src/format/types';

function csv(header: string, rows: string[]): string {
  return [header, ...rows].join('\n') + '\n';
}

function run(text: string, spec: Partial<Spec['data']>, o: Partial<CheckOptions> = {}) {
  const table = parseTable(text, '/data/d.csv', 'csv');
  const full = { data: { source: 'd.csv', target: 'y', ...spec }, model: { layers: [] } } as Spec;
  const features = o.features ?? table.columns.filter((c) => c !== 'y' && !(spec.ignore ?? []).includes(c));
  return checkData(table, full, { features, targets: ['y'], task: 'classification', validationSplit: 0.2, shuffle: true, missing: 'drop', seed: 1, ...o });
}

/** 40 rows of a healthy two-feature, two-class table. */
function healthy(n = 40): string[] {
  return Array.from({ length: n }, (_, i) => `${(i * 7) % 13 + 0.5 * i},${(i * 5) % 11},${i % 2 ? 'a' : 'b'}`);
}

describe('data/checks: data mistakes before training', () => {
  it('a healthy table has no findings', () => {
    assert.deepEqual(run(csv('x1,x2,y', healthy()), {}), []);
  });

  it('the mixed-column rule: an error naming the line and the value, unless the column is categorical', () => {
    const rows = healthy();
    rows[16] = rows[16].replace(/^[^,]+/, 'three');
    const [f, ...rest] = run(csv('x1,x2,y', rows), {});
    assert.equal(rest.length, 0);
    assert.equal(f.severity, 'error');
    assert.deepEqual(f.place, { kind: 'feature', column: 'x1' });
    assert.equal(f.row, 16);
    assert.match(f.message, /column "x1" holds numbers, but line 18 of d\.csv has "three"/);
    assert.match(f.message, /list "x1" in "categorical"/);
    assert.deepEqual(run(csv('x1,x2,y', rows), { categorical: ['x1'] }).filter((x) => x.severity === 'error'), []);
    // Mostly text with a few numbers is a text column, not a typo.
    const texty = Array.from({ length: 20 }, (_, i) => `${i < 3 ? i : `w${i % 4}`},${i},${i % 2 ? 'a' : 'b'}`);
    assert.deepEqual(run(csv('x1,x2,y', texty), {}).filter((x) => x.severity === 'error'), []);
  });

  it('categorical names columns that exist and are used', () => {
    const found = run(csv('x1,x2,y', healthy()), { categorical: ['x3', 'y'], ignore: [] }, { task: 'regression' });
    assert.deepEqual(found.map((f) => [f.severity, f.place]), [
      ['error', { kind: 'categorical', index: 0 }],
      ['error', { kind: 'categorical', index: 1 }],
    ]);
  });

  it('an id column and a constant column are warnings with the fix', () => {
    const rows = healthy().map((r, i) => `u${i},7,${r}`);
    const found = run(csv('user,c,x1,x2,y', rows), {});
    assert.deepEqual(found.map((f) => (f.place.kind === 'feature' ? f.place.column : '')), ['user', 'c']);
    assert.match(found[0].message, /"user" has a different value in each of the 40 rows: an id.*Add it to "ignore"/);
    assert.match(found[1].message, /"c" has the same value \(7\) in every row/);
    // Row numbers under an id's name are an id; x = 0, 1, 2, ... under another name is an input.
    assert.equal(run(csv('row_id,x1,x2,y', healthy().map((r, i) => `${i + 1},${r}`)), {}).length, 1);
    assert.equal(run(csv('x,x1,x2,y', healthy().map((r, i) => `${i + 1},${r}`)), {}).length, 0);
  });

  it('a leak: a feature equal to the target is an error, one that predicts it perfectly a warning', () => {
    const rows = healthy().map((r) => `${r.split(',')[2]},${r}`);
    const [eq] = run(csv('copy,x1,x2,y', rows), {});
    assert.equal(eq.severity, 'error');
    assert.match(eq.message, /"copy" equals the target "y" in every row.*a leak/);
    const coded = healthy().map((r, i) => `${r.endsWith('a') ? ['k1', 'k2'][i % 4 === 1 ? 0 : 1] : 'k3'},${r}`);
    const [perfect] = run(csv('code,x1,x2,y', coded), {});
    assert.equal(perfect.severity, 'warning');
    assert.match(perfect.message, /each of the 3 values of column "code" goes with exactly one class of "y"/);
    // A category shared by both classes is no leak.
    const mixed = healthy().map((r, i) => `${i % 3 ? 'k1' : 'k2'},${r}`);
    assert.deepEqual(run(csv('code,x1,x2,y', mixed), {}), []);
  });

  it('duplicate rows in training and validation: counted exactly when the split is known', () => {
    const rows = healthy(30);
    const dup = [...rows, ...rows.slice(0, 10)];
    const [d] = run(csv('x1,x2,y', dup), {});
    assert.equal(d.severity, 'warning');
    assert.deepEqual(d.place, { kind: 'validationSplit' });
    assert.match(d.message, /^10 rows are exact copies of other rows \(first: lines 2 and 32 of d\.csv\), and \d+ validation rows also appear in training/);
    const unseeded = run(csv('x1,x2,y', dup), {}, { seed: undefined });
    assert.match(unseeded[0].message, /some will be in both training and validation/);
    assert.deepEqual(run(csv('x1,x2,y', dup), {}, { validationSplit: 0 }), []);
  });

  it('a class too small for validation, and strong imbalance, name the classes and the baseline', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i * 1.5},${(i * 3) % 5},${i < 44 ? 'dry' : i < 49 ? 'rain' : 'snow'}`);
    const found = run(csv('x1,x2,y', rows), {}, { seed: undefined });
    assert.deepEqual(found.map((f) => f.place.kind), ['target', 'target']);
    assert.match(found[0].message, /class "snow" has only 1 row: with validationSplit 0\.2 it will most likely not appear in validation/);
    assert.match(found[1].message, /"dry" is 88% of the rows, "snow" only 1\. Always answering "dry" already scores 88% accuracy/);
    // With a seed the split is known: the warning is given exactly when none of the class's rows is in validation.
    const snowRow = 49;
    let both = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const inValidation = splitIndices(50, 0.2, true, seed).validation.includes(snowRow);
      const seeded = run(csv('x1,x2,y', rows), {}, { seed }).filter((f) => /class "snow"/.test(f.message));
      assert.equal(seeded.length, inValidation ? 0 : 1, `seed ${seed}`);
      both |= inValidation ? 1 : 2;
      if (!inValidation) assert.match(seeded[0].message, /class "snow" has 1 row, and with this seed none of them is in validation/);
    }
    assert.equal(both, 3, 'some seeds put the row in validation, others do not');
    const balanced = Array.from({ length: 50 }, (_, i) => `${i * 1.5},${(i * 3) % 5},${i % 3 ? 'dry' : 'rain'}`);
    assert.deepEqual(run(csv('x1,x2,y', balanced), {}), []);
  });

  it('through validateSpecFile: the typo is an error at its CSV line, on the feature in the spec', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlmodel-checks-'));
    try {
      const rows = healthy();
      rows[30] = rows[30].replace(/,[^,]+,/, ',seven,');
      writeFileSync(join(dir, 'd.csv'), csv('x1,x2,y', rows));
      const specText = '{ "data": { "source": "d.csv", "target": "y", "features": ["x1", "x2"] }, "model": { "layers": [] } }';
      writeFileSync(join(dir, 's.dlmodel.json'), specText);
      const r = await validateSpecFile(join(dir, 's.dlmodel.json'));
      const [p] = r.problems;
      assert.equal(r.problems.length, 1, JSON.stringify(r.problems));
      assert.equal(p.severity, 'error');
      assert.equal(p.file, join(dir, 'd.csv'));
      assert.equal(p.line, 32);
      assert.deepEqual(p.path, ['data', 'features', 1]);
      assert.equal(specText.slice(p.offset, p.offset + p.length), '"x2"');
      assert.match(p.message, /"seven"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
