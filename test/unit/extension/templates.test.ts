import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PNG } from 'pngjs';
import { summarizePlan } from '../../../src/format/summary';
import { validateSpecFile } from '../../../src/format/validate';
import { parseSpecText } from '../../../src/format/parse';
import { predictInputs, predictBlock, dataSource, predictInputsText } from '../../../src/extension/spec-text';
import { sanitizeName, TEMPLATES, templateFiles } from '../../../src/extension/templates';

describe('extension/templates', () => {
  for (const t of TEMPLATES) {
    it(`template ${t.id} writes a spec the parser accepts`, () => {
      const files = templateFiles(t.id, 'demo', t.id === 'transfer' ? { from: { runDir: '.dlmodel/runs/fruit/r1', dataSource: 'data/fruit.csv', target: 'fruit', hiddenLayers: 2 } } : {});
      assert.equal(files[0].path, 'demo.dlmodel.json');
      const { spec, problems } = parseSpecText(files[0].content as string);
      assert.deepEqual(problems.filter((p) => p.severity === 'error').map((p) => p.message), []);
      assert.equal(spec?.name, 'demo');
      const source = spec?.data.source;
      if (source && t.id !== 'transfer') {
        assert.ok(files.some((f) => f.path === source || f.path.startsWith(`${source}/`)), `no file for data.source ${source}`);
      }
    });
  }

  it('the course template is the 2-2-1 network with predict inputs', () => {
    const { spec } = parseSpecText(templateFiles('course', 'p')[0].content as string);
    assert.equal(spec?.model.layers.length, 1);
    assert.equal(spec?.model.layers[0].units, 2);
    assert.equal(spec?.data.rows?.length, 40);
    assert.equal(Object.keys(spec?.data.rows?.[0] ?? {}).length, 3);
    assert.equal(spec?.predict?.inputs?.length, 2);
  });

  it('writes the same sample data every time, with consistent CSV rows', () => {
    const a = templateFiles('classification', 'f')[1].content as string;
    const b = templateFiles('classification', 'f')[1].content as string;
    assert.equal(a, b);
    const lines = a.trim().split('\n');
    assert.equal(lines.length, 181);
    for (const l of lines) assert.equal(l.split(',').length, 5);
  });

  it('writes decodable 16x16 PNGs in one folder per class', () => {
    const files = templateFiles('image-cnn', 's');
    const images = files.filter((f) => f.path.endsWith('.png'));
    assert.equal(images.filter((f) => f.path.startsWith('images/horizontal/')).length, 40);
    assert.equal(images.filter((f) => f.path.startsWith('images/vertical/')).length, 40);
    const png = PNG.sync.read(Buffer.from(images[0].content as Uint8Array));
    assert.equal(png.width, 16);
    assert.equal(png.height, 16);
  });

  it('transfer learning copies inline rows when the base run had no data file', () => {
    const [f] = templateFiles('transfer', 't', { from: { runDir: '../a/.dlmodel/runs/a/r1', rows: [{ x: 1, y: 'a' }, { x: 2, y: 'b' }], target: 'y', hiddenLayers: 1 } });
    const { spec, problems } = parseSpecText(f.content as string);
    assert.deepEqual(problems.filter((p) => p.severity === 'error').map((p) => p.message), []);
    assert.deepEqual(spec?.data.rows, [{ x: 1, y: 'a' }, { x: 2, y: 'b' }]);
    assert.equal(spec?.model.from, '../a/.dlmodel/runs/a/r1');
    assert.equal(spec?.model.freeze, 1);
  });

  it('refuses transfer learning without a run', () => {
    assert.throws(() => templateFiles('transfer', 't'), /completed run/);
  });

  it('sanitizes names', () => {
    assert.equal(sanitizeName(' my model.dlmodel.json '), 'my-model');
    assert.equal(sanitizeName('../x'), 'x');
    assert.equal(sanitizeName('***'), '');
  });
});

describe('extension/spec-text', () => {
  const text = `{
  // comment
  "data": { "source": "data/x.csv", "target": "y", },
  "model": { "layers": [] },
  "predict": {
    "inputs": [
      { "a": 1 },
      {
        "a": 2
      }
    ]
  }
}`;
  it('finds the predict block, each input object and data.source', () => {
    const block = predictBlock(text)!;
    assert.ok(text.slice(block.offset).startsWith('"predict"'));
    const inputs = predictInputs(text);
    assert.equal(inputs.length, 2);
    assert.equal(text.slice(inputs[0].offset, inputs[0].offset + inputs[0].length), '{ "a": 1 }');
    assert.equal(dataSource(text)?.value, 'data/x.csv');
    assert.ok(predictInputsText(text).startsWith('['));
    assert.equal(predictInputs('{ "predict": { "source": "x.csv" } }').length, 0);
    assert.equal(predictBlock('{}'), undefined);
  });
});

describe('extension/templates on disk', () => {
  // Every template must be a valid experiment as written: data present, columns right, shapes fitting.
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'dlmodel-templates-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const id of ['course', 'classification', 'regression', 'image-cnn'] as const) {
    it(`template ${id} validates with its data, and summarizes`, async () => {
      const folder = join(dir, id);
      const files = templateFiles(id, id);
      for (const f of files) {
        mkdirSync(dirname(join(folder, f.path)), { recursive: true });
        writeFileSync(join(folder, f.path), f.content);
      }
      const specPath = join(folder, files[0].path);
      const r = await validateSpecFile(specPath, undefined, { trusted: true, workspaceRoot: folder });
      assert.deepEqual(r.problems.map((p) => `${p.line}:${p.column} ${p.message}`), []);
      assert.ok(r.spec && r.description && r.plan);
      const layers = summarizePlan(r.plan, r.description);
      if (id === 'course') {
        assert.equal(layers.length, 3);
        assert.equal(layers.reduce((s, l) => s + l.params, 0), 9);
      }
    });
  }
});
