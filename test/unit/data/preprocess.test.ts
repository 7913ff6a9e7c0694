// Encoding rows for training and for prediction: what preprocess.json records must reproduce the training
// encoding exactly, statistics come from the training split only, and bad data names its line.
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { decodeOutput, encodeInputs, prepareTrainingData, type PrepareOptions } from '../../../src/data/preprocess';
import { mulberry32, splitIndices } from '../../../src/data/split';
import type { Spec } from '../../../src/format/types';
import type { PreprocessJson } from '../../../src/runs/types';
import { scratch } from '../engine/helpers';

const OPTS: PrepareOptions = { validationSplit: 0.25, shuffle: true, normalize: 'standard', missing: 'drop', seed: 5 };

describe('preprocess', () => {
  let s: ReturnType<typeof scratch>;
  beforeEach(() => {
    s = scratch();
  });
  afterEach(() => s.cleanup());

  function csv(name: string, text: string): string {
    writeFileSync(path.join(s.dir, name), text);
    return path.join(s.dir, 'x.dlmodel.json');
  }

  const rowsCsv = ['size,color,price,kind']
    .concat(Array.from({ length: 20 }, (_, i) => `${i},${['red', 'green', 'blue'][i % 3]},${i * 10 + 3},${i % 2 ? 'b' : 'a'}`))
    .join('\n');

  it('fits normalization on the training split only', async () => {
    const specPath = csv('d.csv', rowsCsv);
    const spec: Spec = { data: { source: 'd.csv', target: 'kind', features: ['size', 'price'] }, model: { layers: [] } };
    const d = await prepareTrainingData(spec, specPath, OPTS);
    assert.equal(d.split.train.length, 15);
    assert.equal(d.split.validation.length, 5);
    const sizes = d.split.train.map((r) => Number(d.inputs[r].size));
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    const std = Math.sqrt(sizes.reduce((a, b) => a + (b - mean) ** 2, 0) / sizes.length);
    assert.ok(Math.abs(d.pre.normalization.a[0] - mean) < 1e-9);
    assert.ok(Math.abs(d.pre.normalization.b[0] - std) < 1e-9);
    const all = Array.from({ length: 20 }, (_, i) => i);
    const allMean = all.reduce((a, b) => a + b, 0) / 20;
    assert.notEqual(d.pre.normalization.a[0], allMean, 'not fitted on every row');
  });

  it('encodes prediction inputs with preprocess.json exactly as training did (one-hot, standard, minmax)', async () => {
    const specPath = csv('d.csv', rowsCsv);
    for (const normalize of ['standard', 'minmax', 'none'] as const) {
      const spec: Spec = { data: { source: 'd.csv', target: 'kind' }, model: { layers: [] } };
      const d = await prepareTrainingData(spec, specPath, { ...OPTS, normalize });
      assert.deepEqual(d.pre.inputNames, ['size', 'color=blue', 'color=green', 'color=red', 'price']);
      // The record survives JSON, as it does on disk.
      const pre = JSON.parse(JSON.stringify(d.pre));
      const { x, warnings } = await encodeInputs(pre, d.inputs, s.dir);
      assert.deepEqual(Array.from(x), Array.from(d.x), normalize);
      assert.deepEqual(warnings, []);
      if (normalize === 'minmax') {
        for (const r of d.split.train) for (const j of [0, 4]) assert.ok(d.x[r * 5 + j] >= -1e-6 && d.x[r * 5 + j] <= 1 + 1e-6);
      }
      // One-hot inputs stay 0/1 whatever the normalization.
      const red = d.inputs.findIndex((r) => r.color === 'red');
      assert.deepEqual(Array.from(d.x.subarray(red * 5 + 1, red * 5 + 4)), [0, 0, 1]);
    }
  });

  it('an unseen category encodes as zeros with a warning; a missing value names the input', async () => {
    const specPath = csv('d.csv', rowsCsv);
    const d = await prepareTrainingData({ data: { source: 'd.csv', target: 'kind' }, model: { layers: [] } }, specPath, OPTS);
    const { x, warnings } = await encodeInputs(d.pre, [{ size: 3, color: 'purple', price: 33 }], s.dir);
    assert.deepEqual(Array.from(x.subarray(1, 4)), [0, 0, 0]);
    assert.match(warnings[0], /input 1: "color" = "purple" was not seen in training \(categories: blue, green, red\)/);
    await assert.rejects(encodeInputs(d.pre, [{ color: 'red', price: 1 }], s.dir), /input 1: missing value for "size"/);
    await assert.rejects(encodeInputs(d.pre, [{ size: 'big', color: 'red', price: 1 }], s.dir), /input 1: column "size" should be a number but is "big"/);
  });

  it('missing values: drop removes the row, error names file and line, mean fills with the training mean', async () => {
    const text = 'a,b,y\n1,2,x\n2,,y\n3,4,x\nNA,5,y\n5,6,x\n6,7,y\n7,8,x\n8,9,y\n';
    const specPath = csv('m.csv', text);
    const spec: Spec = { data: { source: 'm.csv', target: 'y' }, model: { layers: [] } };
    const dropped = await prepareTrainingData(spec, specPath, { ...OPTS, validationSplit: 0 });
    assert.equal(dropped.n, 6);
    assert.equal(dropped.dropped, 2);

    await assert.rejects(
      prepareTrainingData(spec, specPath, { ...OPTS, missing: 'error' }),
      (e: Error) => /m\.csv:3: missing value in column "b"/.test(e.message),
    );

    const filled = await prepareTrainingData(spec, specPath, { ...OPTS, missing: 'mean', normalize: 'none', validationSplit: 0.25 });
    assert.equal(filled.n, 8);
    const fa = filled.pre.features.find((f) => f.column === 'a')?.fill ?? NaN;
    const trainA = filled.split.train.map((r) => filled.inputs[r].a).filter((v): v is number => typeof v === 'number');
    assert.ok(Math.abs(fa - trainA.reduce((p, q) => p + q, 0) / trainA.length) < 1e-5);
    const naRow = filled.inputs.findIndex((r) => r.a === null);
    assert.ok(Math.abs(filled.x[naRow * 2] - fa) < 1e-5);
    const { x } = await encodeInputs(filled.pre, [{ a: null, b: 1 }], s.dir);
    assert.ok(Math.abs(x[0] - fa) < 1e-5, 'prediction fills the same way');
  });

  it('regression targets are standardized for training and mapped back at prediction', async () => {
    const specPath = csv('r.csv', 'x,y\n' + Array.from({ length: 12 }, (_, i) => `${i},${100 + 5 * i}`).join('\n'));
    const d = await prepareTrainingData({ task: 'regression', data: { source: 'r.csv', target: 'y' }, model: { layers: [] } }, specPath, OPTS);
    const scale = d.pre.targetScale;
    assert.ok(scale);
    const ys = d.split.train.map((r) => d.y[r]);
    assert.ok(Math.abs(ys.reduce((a, b) => a + b, 0) / ys.length) < 1e-5, 'zero mean on the training rows');
    for (let r = 0; r < d.n; r++) {
      const back = (decodeOutput(d.pre, [d.y[r]]).output as number[])[0];
      assert.ok(Math.abs(back - Number(d.expected[r])) < 1e-3, `${back} vs ${d.expected[r]}`);
    }
  });

  it('classification outputs: a sigmoid unit gives both class probabilities; softmax the best class', () => {
    const pre: PreprocessJson = { task: 'classification', features: [], inputNames: [], inputShape: [1], normalization: { kind: 'none', a: [], b: [] }, target: ['t'], classNames: ['no', 'yes'] };
    const two = decodeOutput({ ...pre, classNames: ['no', 'yes'] }, [0.8]);
    assert.equal(two.label, 'yes');
    assert.ok(Math.abs((two.output as number[])[0] - 0.2) < 1e-9 && Math.abs((two.confidence ?? 0) - 0.8) < 1e-9);
    const three = decodeOutput({ ...pre, classNames: ['a', 'b', 'c'] }, [0.1, 0.2, 0.7]);
    assert.equal(three.label, 'c');
    assert.deepEqual(three.output, [0.1, 0.2, 0.7]);
  });

  it('image folders: pixels in 0..1, labels from sub-folders, prediction by file encodes the same', async () => {
    for (const [cls, v] of [['dark', 10], ['light', 240]] as const) {
      mkdirSync(path.join(s.dir, 'imgs', cls), { recursive: true });
      for (let i = 0; i < 3; i++) {
        const png = new PNG({ width: 4, height: 4 });
        png.data.fill(v);
        for (let p = 3; p < png.data.length; p += 4) png.data[p] = 255;
        png.data[0] = i * 50;
        writeFileSync(path.join(s.dir, 'imgs', cls, `${i}.png`), PNG.sync.write(png));
      }
    }
    const spec: Spec = { data: { source: 'imgs', target: 'label', image: { width: 2, height: 2, channels: 1 } }, model: { layers: [] } };
    const d = await prepareTrainingData(spec, path.join(s.dir, 'i.dlmodel.json'), OPTS);
    assert.equal(d.n, 6);
    assert.deepEqual(d.pre.inputShape, [2, 2, 1]);
    assert.deepEqual(d.pre.classNames, ['dark', 'light']);
    assert.equal(d.pre.normalization.kind, 'none');
    assert.deepEqual(Array.from(d.y), [0, 0, 0, 1, 1, 1]);
    assert.deepEqual(d.inputs[3], { file: 'imgs/light/0.png' });
    for (const v of d.x) assert.ok(v >= 0 && v <= 1);
    const { x } = await encodeInputs(d.pre, d.inputs, s.dir);
    assert.deepEqual(Array.from(x), Array.from(d.x));
  });
});

describe('split', () => {
  it('is seeded, disjoint, complete, and holds out round(n * split) rows', () => {
    const a = splitIndices(50, 0.2, true, 9);
    const b = splitIndices(50, 0.2, true, 9);
    assert.deepEqual(a, b);
    assert.equal(a.validation.length, 10);
    assert.deepEqual([...a.train, ...a.validation].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
    assert.notDeepEqual(splitIndices(50, 0.2, true, 10).validation, a.validation);
  });

  it('without shuffle holds out the last rows, and always keeps a training row', () => {
    assert.deepEqual(splitIndices(5, 0.4, false, 1), { train: [0, 1, 2], validation: [3, 4] });
    assert.equal(splitIndices(1, 0.5, true, 1).train.length, 1);
    assert.equal(splitIndices(10, 0, true, 1).validation.length, 0);
  });

  it('mulberry32 is deterministic and in [0, 1)', () => {
    const r1 = mulberry32(42);
    const r2 = mulberry32(42);
    for (let i = 0; i < 1000; i++) {
      const v = r1();
      assert.equal(v, r2());
      assert.ok(v >= 0 && v < 1);
    }
  });
});
