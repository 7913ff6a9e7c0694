// Checkpoints written from a snapshot taken at the epoch boundary (in-process, wasm and cpu), the swap of
// the checkpoint folder, and the epoch writer's order: checkpoint, metrics line, run.json, then the event.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { CheckpointWriter, loadCheckpoint, SYNC_WRITE_LIMIT, type LoopState } from '../../../src/engine/checkpoint';
import { EpochWriter } from '../../../src/engine/epoch-writer';
import { fileSaveHandler } from '../../../src/engine/io';
import { buildModel, compileModel, type OutputPlan } from '../../../src/engine/model';
import type { TrainerEvent } from '../../../src/protocol/trainer';
import { readMetrics, readRun } from '../../../src/runs/folder';
import type { EpochRecord, RunJson } from '../../../src/runs/types';
import { randArray, rng, setup, tf, TF_NS } from '../kernels/compare';
import { runTraining, type TrainerContext } from '../../../src/engine/train';
import { peopleCsv, REPO, scratch, spec, writeFiles } from './helpers';

/** Three classes: softmax over 3 units, one-hot targets (what the plan derives for them). */
const OUTPUT: OutputPlan = { units: 3, activation: 'softmax', loss: 'categoricalCrossentropy', targetMode: 'onehot' };


/** A small compiled network (Adam, so the optimizer has moments) after `steps` training steps. */
async function trained(steps: number, seed = 3): Promise<LayersModel> {
  const plan = OUTPUT;
  const model = buildModel(TF_NS, { layers: [{ type: 'dense', units: 4, activation: 'relu' }], output: plan, inputShape: [3], seed });
  compileModel(TF_NS, model, plan, { type: 'adam', learningRate: 0.05 }, ['accuracy']);
  await train(model, steps, seed);
  return model;
}

async function train(model: LayersModel, steps: number, seed: number): Promise<void> {
  const r = rng(seed);
  for (let i = 0; i < steps; i++) {
    const xs = tf.tensor(randArray(r, 8 * 3), [8, 3]);
    const ys = tf.oneHot(tf.tensor1d(Array.from({ length: 8 }, (_, k) => (k + i) % 3), 'int32'), 3).toFloat();
    await model.trainOnBatch(xs, ys);
    tf.dispose([xs, ys]);
  }
}

const weightsOf = (m: LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
const optimizerOf = async (m: LayersModel) => (await m.optimizer.getWeights()).map((w) => ({ name: w.name, values: Array.from(w.tensor.dataSync()) }));

function runJson(dir: string, over: Partial<RunJson> = {}): RunJson {
  return { id: path.basename(dir), name: 'n', specPath: 'x', spec: {} as RunJson['spec'], specHash: 'h', status: 'running', backend: 'wasm', startedAt: '', epochs: 3, epochsDone: 0, ...over } as RunJson;
}

describe('checkpoints from a snapshot', function () {
  this.timeout(60_000);
  let s: ReturnType<typeof scratch>;
  before(async () => {
    await setup();
  });
  beforeEach(() => {
    s = scratch();
  });
  afterEach(() => s.cleanup());

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`${backend}: the same model.json and weights.bin as LayersModel.save, loadable, optimizer restored`, async () => {
      await tf.setBackend(backend);
      const model = await trained(5);
      const writer = new CheckpointWriter(TF_NS, model, s.dir);
      assert.equal(writer.sync, true, 'wasm and cpu are read at the boundary');
      const state: LoopState = { epoch: 1, seed: 3, wait: 0 };
      await writer.write(await writer.snapshot(state));
      await writer.close();
      assert.deepEqual(readdirSync(s.dir), ['checkpoint'], 'no spare folder left after close');

      await model.save(fileSaveHandler(path.join(s.dir, 'saved')));
      for (const f of ['model.json', 'weights.bin']) {
        assert.ok(readFileSync(path.join(s.dir, 'checkpoint', f)).equals(readFileSync(path.join(s.dir, 'saved', f))), f);
      }

      const loaded = await loadCheckpoint(TF_NS, s.dir);
      assert.ok(loaded);
      assert.deepEqual(loaded.state, state);
      assert.deepEqual(weightsOf(loaded.model), weightsOf(model));
      compileModel(TF_NS, loaded.model, OUTPUT, { type: 'adam', learningRate: 0.05 }, ['accuracy']);
      assert.equal(await loaded.restoreOptimizer(), true);
      assert.deepEqual(await optimizerOf(loaded.model), await optimizerOf(model));
      model.dispose();
      loaded.model.dispose();
    });
  }

  it('a snapshot is a copy: steps after it do not reach the files (wasm, moments updated in place)', async () => {
    await tf.setBackend('wasm');
    const model = await trained(3);
    const before = weightsOf(model);
    const beforeOpt = await optimizerOf(model);
    const writer = new CheckpointWriter(TF_NS, model, s.dir);
    const snap = await writer.snapshot({ epoch: 1, seed: 3 });
    await train(model, 4, 9);
    assert.notDeepEqual(weightsOf(model), before);
    await writer.write(snap);
    await writer.close();
    const loaded = await loadCheckpoint(TF_NS, s.dir);
    assert.ok(loaded);
    assert.deepEqual(weightsOf(loaded.model), before);
    compileModel(TF_NS, loaded.model, OUTPUT, { type: 'adam', learningRate: 0.05 }, ['accuracy']);
    await loaded.restoreOptimizer();
    assert.deepEqual(await optimizerOf(loaded.model), beforeOpt);
    model.dispose();
    loaded.model.dispose();
  });

  for (const [how, limit] of [['synchronous calls', SYNC_WRITE_LIMIT], ['asynchronous calls', 0]] as const) {
    it(`every write leaves one complete checkpoint, also when files come and go or an old process left \`.old\` (${how})`, async () => {
      await tf.setBackend('wasm');
      const model = await trained(2);
      const writer = new CheckpointWriter(TF_NS, model, s.dir, { syncWriteLimit: limit });
      const ckpt = path.join(s.dir, 'checkpoint');
      for (let epoch = 1; epoch <= 4; epoch++) {
        await train(model, 1, epoch);
        // state.json shrinks at epoch 3, written over epoch 1's in the reused folder.
        const state: LoopState = epoch < 3 ? { epoch, seed: 3, best: 0.123456789, wait: 0 } : { epoch, seed: 3 };
        await writer.write(await writer.snapshot(state));
        const loaded = await loadCheckpoint(TF_NS, s.dir);
        assert.deepEqual(loaded?.state, state);
        assert.deepEqual(weightsOf(loaded.model), weightsOf(model), `epoch ${epoch}`);
        loaded.model.dispose();
      }
      // A snapshot without optimizer state: the reused folder must not keep an older optimizer.bin.
      const snap = await writer.snapshot({ epoch: 5, seed: 3 });
      delete snap.optimizer;
      await writer.write(snap);
      assert.deepEqual(readdirSync(ckpt).sort(), ['model.json', 'state.json', 'weights.bin']);
      await writer.close();
      // Left by a process killed between two renames: a complete `.old` beside the live checkpoint (and a
      // killed process's spare folder)...
      mkdirSync(path.join(s.dir, 'checkpoint.old'));
      writeFileSync(path.join(s.dir, 'checkpoint.old', 'model.json'), '{}');
      mkdirSync(path.join(s.dir, 'checkpoint.tmp-1'));
      writeFileSync(path.join(s.dir, 'checkpoint.tmp-1', 'weights.bin'), '');
      const next = new CheckpointWriter(TF_NS, model, s.dir, { syncWriteLimit: limit });
      await next.write(await next.snapshot({ epoch: 6, seed: 3 }));
      assert.equal((await loadCheckpoint(TF_NS, s.dir))?.state.epoch, 6);
      await next.close();
      assert.deepEqual(readdirSync(s.dir), ['checkpoint']);
      // ...or only `.old`, the live one gone.
      const other = new CheckpointWriter(TF_NS, model, s.dir, { syncWriteLimit: limit });
      renameSync(ckpt, path.join(s.dir, 'checkpoint.old'));
      assert.equal((await loadCheckpoint(TF_NS, s.dir))?.state.epoch, 6, 'read from .old');
      await other.write(await other.snapshot({ epoch: 7, seed: 3 }));
      await other.close();
      assert.deepEqual(readdirSync(s.dir), ['checkpoint']);
      assert.equal((await loadCheckpoint(TF_NS, s.dir))?.state.epoch, 7);
      model.dispose();
    });
  }
});

describe('epoch writer', function () {
  this.timeout(60_000);
  let s: ReturnType<typeof scratch>;
  before(async () => {
    await setup();
  });
  beforeEach(() => {
    s = scratch();
  });
  afterEach(() => s.cleanup());

  const record = (epoch: number): EpochRecord => ({ epoch, loss: 1 / epoch, ms: 1 });
  const epochEvent = (epoch: number): TrainerEvent => ({ type: 'epoch', record: record(epoch), epochs: 3, etaMs: 0 });

  it('sends each epoch event after its files, and later events after it, in order', async () => {
    await tf.setBackend('wasm');
    const model = await trained(1);
    const sent: string[] = [];
    const w = new EpochWriter(TF_NS, model, s.dir, (e) => {
      if (e.type === 'epoch') {
        // What a host sees on disk when the event arrives.
        const n = e.record.epoch;
        const state = JSON.parse(readFileSync(path.join(s.dir, 'checkpoint', 'state.json'), 'utf8')) as LoopState;
        const lines = readFileSync(path.join(s.dir, 'metrics.jsonl'), 'utf8').trimEnd().split('\n');
        const run = JSON.parse(readFileSync(path.join(s.dir, 'run.json'), 'utf8')) as RunJson;
        assert.deepEqual([state.epoch, (JSON.parse(lines[lines.length - 1]) as EpochRecord).epoch, run.epochsDone], [n, n, n]);
        sent.push(`epoch ${n}`);
      } else if (e.type === 'log') sent.push(e.message);
    });
    assert.equal(w.background, true);
    for (let epoch = 1; epoch <= 3; epoch++) {
      w.emit({ type: 'log', level: 'info', message: `batch of ${epoch}` });
      await w.epochEnd({ epoch, seed: 1, record: record(epoch) }, record(epoch), runJson(s.dir, { epochsDone: epoch }), epochEvent(epoch));
      await train(model, 1, epoch);
    }
    w.emit({ type: 'log', level: 'info', message: 'after' });
    await w.finish();
    assert.deepEqual(sent, ['batch of 1', 'epoch 1', 'batch of 2', 'epoch 2', 'batch of 3', 'epoch 3', 'after']);
    assert.deepEqual((await readMetrics(s.dir)).map((m) => m.epoch), [1, 2, 3]);
    assert.equal((await readRun(s.dir)).epochsDone, 3);
    assert.deepEqual(readdirSync(s.dir).sort(), ['checkpoint', 'metrics.jsonl', 'run.json']);
    model.dispose();
  });

  it('with asynchronous reads (WebGPU, native): the same files, and each epoch awaited before the next step', async () => {
    await tf.setBackend('wasm');
    const model = await trained(3);
    const sent: string[] = [];
    const w = new EpochWriter(TF_NS, model, s.dir, (e) => sent.push(e.type), { syncReads: false });
    assert.equal(w.background, false);
    await w.epochEnd({ epoch: 1, seed: 1 }, record(1), runJson(s.dir, { epochsDone: 1 }), epochEvent(1));
    assert.deepEqual(sent, ['epoch'], 'sent before epochEnd returns');
    w.emit({ type: 'log', level: 'info', message: 'next' });
    assert.deepEqual(sent, ['epoch', 'log']);
    await w.finish();
    const snap = (syncReads: boolean) => new CheckpointWriter(TF_NS, model, s.dir, { syncReads }).snapshot({ epoch: 1, seed: 1 });
    const a = await snap(true);
    assert.deepEqual(await snap(false), a);
    assert.ok(readFileSync(path.join(s.dir, 'checkpoint', 'weights.bin')).equals(a.weights));
    model.dispose();
  });

  it('a failed write is thrown at the next boundary, without its epoch event', async () => {
    await tf.setBackend('wasm');
    const model = await trained(1);
    const sent: TrainerEvent[] = [];
    const w = new EpochWriter(TF_NS, model, s.dir, (e) => sent.push(e));
    // metrics.jsonl cannot be opened for appending: the checkpoint lands, the line does not.
    mkdirSync(path.join(s.dir, 'metrics.jsonl'));
    await w.epochEnd({ epoch: 1, seed: 1 }, record(1), runJson(s.dir), epochEvent(1));
    w.emit({ type: 'log', level: 'info', message: 'held' });
    await assert.rejects(w.epochEnd({ epoch: 2, seed: 1 }, record(2), runJson(s.dir), epochEvent(2)), /EISDIR/);
    assert.deepEqual(sent.map((e) => e.type), ['log'], 'held events are released, the epoch event is not sent');
    assert.equal((await loadCheckpoint(TF_NS, s.dir))?.state.epoch, 1, 'epoch 2 was not started');
    await w.abort();
    assert.ok(!existsSync(path.join(s.dir, 'run.json')));
    model.dispose();
  });
});

describe('a training run in-process: epoch files, events, write failures', function () {
  this.timeout(120_000);
  let s: ReturnType<typeof scratch>;
  const random = Math.random;
  before(async () => {
    await setup();
  });
  beforeEach(() => {
    s = scratch();
    writeFiles(s.dir, {
      'people.csv': peopleCsv(),
      'g.dlmodel.json': spec({
        data: { source: 'people.csv', target: 'gender' },
        model: { layers: [{ type: 'dense', units: 2, activation: 'sigmoid' }] },
        training: { epochs: 4, batchSize: 4, seed: 1 },
      }),
    });
  });
  afterEach(() => {
    Math.random = random; // the trainer seeds it
    s.cleanup();
  });

  const job = { kind: 'train' as const, backend: 'wasm' as const, progressIntervalMs: 0, weightsIntervalMs: 0 };

  it('each epoch event comes after its checkpoint, metrics line and run.json, and before the next epoch\'s events', async () => {
    const seen: string[] = [];
    let runDir = '';
    let done = 0;
    const ctx: TrainerContext = {
      extensionRoot: REPO,
      cancelled: () => false,
      emit(e) {
        if (e.type === 'started') runDir = e.runDir;
        if (e.type === 'batch' || e.type === 'weights') assert.ok(e.epoch <= done + 1, `${e.type} of epoch ${e.epoch} before the epoch event of ${done + 1}`);
        if (e.type !== 'epoch') return;
        // What a host reading the folder finds when the event arrives.
        const n = e.record.epoch;
        const state = JSON.parse(readFileSync(path.join(runDir, 'checkpoint', 'state.json'), 'utf8')) as LoopState;
        const lines = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trimEnd().split('\n');
        const run = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunJson;
        assert.deepEqual([state.epoch, (JSON.parse(lines[lines.length - 1]) as EpochRecord).epoch, lines.length, run.epochsDone], [n, n, n, n]);
        done = n;
        seen.push(`epoch ${n}`);
      },
    };
    const status = await runTraining({ ...job, specPath: path.join(s.dir, 'g.dlmodel.json') }, ctx);
    assert.equal(status, 'completed');
    assert.deepEqual(seen, ['epoch 1', 'epoch 2', 'epoch 3', 'epoch 4']);
    const run = await readRun(runDir);
    assert.equal(run.status, 'completed');
    assert.deepEqual(readdirSync(runDir).sort(), ['checkpoint', 'metrics.jsonl', 'model', 'predictions.json', 'preprocess.json', 'run.json']);
  });

  it('a failed write fails the run: the error in run.json (failed), no epoch event', async () => {
    const events: TrainerEvent[] = [];
    let runDir = '';
    const ctx: TrainerContext = {
      extensionRoot: REPO,
      cancelled: () => false,
      emit(e) {
        events.push(e);
        // metrics.jsonl cannot be opened for appending: epoch 1's checkpoint lands, its line does not.
        if (e.type === 'started') mkdirSync(path.join((runDir = e.runDir), 'metrics.jsonl'));
      },
    };
    await assert.rejects(runTraining({ ...job, specPath: path.join(s.dir, 'g.dlmodel.json') }, ctx), (err: Error & { runDir?: string }) => {
      assert.match(err.message, /^EISDIR: .*metrics\.jsonl/);
      assert.equal(err.runDir, runDir);
      return true;
    });
    assert.ok(!events.some((e) => e.type === 'epoch'));
    const run = await readRun(runDir);
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /^EISDIR: .*metrics\.jsonl/);
    assert.equal(run.epochsDone, 0, 'run.json is written after the metrics line');
    assert.ok(run.endedAt);
    assert.equal((await loadCheckpoint(TF_NS, runDir))?.state.epoch, 1);
    assert.ok(!readdirSync(runDir).some((f) => f.includes('.tmp')), 'no temporary folder left');
  });
});
