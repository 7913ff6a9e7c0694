// Transfer learning: the base run's model.json (as TensorFlow.js writes it) and preprocess.json give the
// first layers; validation and summary read them without TensorFlow.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { readBaseModel } from '../../../src/format/base-model';
import { countParams, summarizePlan } from '../../../src/format/summary';
import { validateSpecFile } from '../../../src/format/validate';

describe('transfer learning (model.from)', () => {
  let dir: string;
  const rows = JSON.stringify(
    Array.from({ length: 10 }, (_, i) => ({ a: i, b: i * 2, c: i % 3, d: 10 - i, y: i % 2 ? 'odd' : 'even' })),
  );
  const spec = (model: string) => `{\n  "data": { "rows": ${rows}, "target": "y" },\n  "model": ${model}\n}`;

  before(async () => {
    // This suite's backend, whatever other suites registered or selected before it.
    assert.ok(await tf.setBackend('cpu'), 'the cpu backend starts');
    dir = mkdtempSync(join(tmpdir(), 'dlmodel-transfer-'));
    const run = join(dir, 'base-run');
    mkdirSync(join(run, 'model'), { recursive: true });
    const m = tfl.sequential();
    m.add(tfl.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }));
    m.add(tfl.layers.dropout({ rate: 0.1 }));
    m.add(tfl.layers.dense({ units: 4, activation: 'relu' }));
    m.add(tfl.layers.dense({ units: 3, activation: 'softmax' }));
    await m.save(
      tf.io.withSaveHandler(async (artifacts) => {
        writeFileSync(join(run, 'model', 'model.json'), JSON.stringify({ modelTopology: artifacts.modelTopology, format: 'layers-model', weightsManifest: [] }));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    m.dispose();
    writeFileSync(join(run, 'preprocess.json'), JSON.stringify({ task: 'classification', features: [], inputNames: ['a', 'b', 'c', 'd'], inputShape: [4], target: ['k'], classNames: ['x', 'y', 'z'], normalization: { kind: 'none', a: [], b: [] } }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the base layers from model.json, without its output layer', async () => {
    const base = await readBaseModel(join(dir, 'base-run'));
    assert.deepEqual(base.classNames, ['Dense', 'Dropout', 'Dense']);
    assert.deepEqual(
      base.layers.map((l) => [l.type, l.units, l.activation, l.rate]),
      [
        ['dense', 8, 'relu', undefined],
        ['dropout', undefined, undefined, 0.1],
        ['dense', 4, 'relu', undefined],
      ],
    );
  });

  it('reads a recurrent base: embedding, bidirectional LSTM (its wrapped layer and merge mode), repeatVector', async () => {
    const run = join(dir, 'text-run');
    mkdirSync(join(run, 'model'), { recursive: true });
    const m = tfl.sequential();
    m.add(tfl.layers.embedding({ inputShape: [6], inputDim: 20, outputDim: 4 }));
    m.add(tfl.layers.bidirectional({ layer: tfl.layers.lstm({ units: 5, recurrentInitializer: 'glorotUniform' }) as tfl.RNN, mergeMode: 'sum' }));
    m.add(tfl.layers.repeatVector({ n: 3 }));
    m.add(tfl.layers.lstm({ units: 2, returnSequences: true, recurrentInitializer: 'glorotUniform' }));
    m.add(tfl.layers.dense({ units: 2, activation: 'softmax' }));
    await m.save(
      tf.io.withSaveHandler(async (artifacts) => {
        writeFileSync(join(run, 'model', 'model.json'), JSON.stringify({ modelTopology: artifacts.modelTopology, format: 'layers-model', weightsManifest: [] }));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    m.dispose();
    writeFileSync(join(run, 'preprocess.json'), JSON.stringify({ task: 'classification', features: [], inputNames: ['t'], inputShape: [6], target: ['k'], classNames: ['x', 'y'], normalization: { kind: 'none', a: [], b: [] } }));
    const base = await readBaseModel(run);
    assert.deepEqual(base.classNames, ['Embedding', 'Bidirectional', 'RepeatVector', 'LSTM']);
    const [emb, bi, rep, lstm] = base.layers;
    assert.deepEqual([emb.type, emb.inputDim, emb.outputDim], ['embedding', 20, 4]);
    assert.equal(bi.type, 'bidirectional');
    assert.equal(bi.mergeMode, 'sum');
    assert.deepEqual([bi.layer?.type, bi.layer?.units], ['lstm', 5]);
    assert.deepEqual([rep.type, rep.n], ['repeatVector', 3]);
    assert.deepEqual([lstm.type, lstm.units, lstm.returnSequences], ['lstm', 2, true]);
  });

  it('summarizes base layers, frozen ones as non-trainable', async () => {
    const r = await validateSpecFile(join(dir, 't.dlmodel.json'), spec('{ "from": "base-run", "freeze": 1, "layers": [ { "type": "dense", "units": 2 } ] }'));
    assert.deepEqual(r.problems, []);
    const s = summarizePlan(r.plan!, r.description!);
    assert.deepEqual(
      s.map((l) => [l.type, l.params, l.trainable]),
      [
        ['input', 0, false],
        ['dense', 40, false],
        ['dropout', 0, true],
        ['dense', 36, true],
        ['dense', 10, true],
        ['dense', 3, true],
      ],
    );
    assert.deepEqual(countParams(s), { total: 89, trainable: 49, nonTrainable: 40 });
  });

  it('refuses freeze beyond the base layers, and a base with another input size', async () => {
    const a = await validateSpecFile(join(dir, 't.dlmodel.json'), spec('{ "from": "base-run", "freeze": 4, "layers": [] }'));
    assert.ok(a.problems.some((p) => p.path.join('.') === 'model.freeze' && /has 3 layers before its output layer/.test(p.message)), JSON.stringify(a.problems));
    const other = spec('{ "from": "base-run", "layers": [] }').replace('"target": "y"', '"target": "y", "ignore": ["d"]');
    const b = await validateSpecFile(join(dir, 't.dlmodel.json'), other);
    assert.ok(b.problems.some((p) => /the base model takes input \[4\], but this data gives \[3\]/.test(p.message)), JSON.stringify(b.problems));
  });

  it('a run folder without model/model.json is reported at "from"', async () => {
    mkdirSync(join(dir, 'empty-run'), { recursive: true });
    const text = spec('{ "from": "empty-run", "layers": [] }');
    const r = await validateSpecFile(join(dir, 't.dlmodel.json'), text);
    const p = r.problems.find((q) => /has no model\/model.json/.test(q.message));
    assert.ok(p);
    assert.equal(text.substr(p.offset, p.length), '"empty-run"');
  });
});
