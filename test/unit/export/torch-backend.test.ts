// The `torch` backend through the real trainer process (as the extension and `dlmodel train` start it):
// the protocol relayed from train.py, stop and resume, the run folder `dlmodel predict` uses, the messages
// for a missing Python, a Python without PyTorch and a Python that dies; and `dlmodel export` run by
// `python train.py` and by `torchrun --nproc_per_node 2`.
import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TrainerEvent, TrainJob } from '../../../src/protocol/trainer';
import { listRuns, readMetrics, readRun } from '../../../src/runs/folder';
import { lastJsonLine, peopleCsv, runCli, runTrainer, scratch, spec, writeFiles } from '../engine/helpers';
import { PYTHON, runPython, useTorchTrainerEnv } from './torch-helpers';

function ofType<T extends TrainerEvent['type']>(events: TrainerEvent[], type: T): Extract<TrainerEvent, { type: T }>[] {
  return events.filter((e): e is Extract<TrainerEvent, { type: T }> => e.type === type);
}

const GENDER = {
  data: { source: 'people.csv', target: 'gender' },
  model: { layers: [{ type: 'dense', units: 2, activation: 'sigmoid' }] },
  training: { epochs: 6, batchSize: 8, learningRate: 0.05, seed: 1 },
  predict: { inputs: [{ weight: 58, height: 162 }] },
};

describe('torch backend', function () {
  this.timeout(300_000);
  let s: ReturnType<typeof scratch>;
  useTorchTrainerEnv();
  beforeEach(() => {
    s = scratch();
    writeFiles(s.dir, { 'people.csv': peopleCsv(), 'g.dlmodel.json': spec(GENDER) });
  });
  afterEach(() => s.cleanup());

  function job(extra: Partial<TrainJob> = {}): TrainJob {
    return { kind: 'train', specPath: path.join(s.dir, 'g.dlmodel.json'), backend: 'torch', progressIntervalMs: 0, weightsIntervalMs: 0, ...extra };
  }

  it('speaks the trainer protocol and writes a run folder dlmodel predicts with', async () => {
    const r = await runTrainer(job());
    assert.equal(r.exitCode, 0, r.stderr);
    const types = r.events.map((e) => e.type).filter((t) => t !== 'batch' && t !== 'weights' && t !== 'log');
    assert.deepEqual(types, ['started', 'epoch', 'epoch', 'epoch', 'epoch', 'epoch', 'epoch', 'predictions', 'finished']);
    const started = ofType(r.events, 'started')[0];
    assert.equal(started.backend.name, 'torch-cpu');
    assert.match(started.backend.attempts.find((a) => a.name === 'torch-cuda')?.reason ?? '', /cuda/i, 'says why not CUDA');
    assert.equal(started.params.total, 9);
    assert.deepEqual(started.samples, { train: 32, validation: 8 });
    assert.ok(ofType(r.events, 'batch').length > 0);
    const weights = ofType(r.events, 'weights');
    const hidden = weights[weights.length - 1].layers.find((l) => l.name === 'dense_1');
    assert.deepEqual(hidden?.kernelShape, [2, 2], 'in TensorFlow.js layout [inputs, units]');
    assert.equal(hidden?.kernel?.length, 4);
    assert.equal(hidden?.bias?.length, 2);
    assert.equal(hidden?.stats.histogram.reduce((a, b) => a + b, 0), 4);

    const dir = started.runDir;
    const run = await readRun(dir);
    assert.equal(run.status, 'completed');
    assert.equal(run.backend, 'torch-cpu');
    assert.equal(run.epochsDone, 6);
    assert.equal(run.seed, 1);
    assert.equal(run.pid, undefined);
    const metrics = await readMetrics(dir);
    assert.deepEqual(metrics.map((m) => m.epoch), [1, 2, 3, 4, 5, 6]);
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'ms']) assert.equal(typeof metrics[0][k], 'number', k);
    for (const f of ['model/model.json', 'model/weights.bin', 'preprocess.json', 'predictions.json', 'checkpoint/torch.pt', 'program/train.py']) {
      assert.ok(existsSync(path.join(dir, f)), f);
    }
    assert.ok(Array.isArray(ofType(r.events, 'finished')[0].insights), 'the coach read the torch run');
    assert.ok(Array.isArray(run.insights), 'run.json has the insights');
    const listed = await listRuns(path.join(s.dir, 'g.dlmodel.json'));
    assert.equal(listed[0].run.id, run.id);

    const p = await runCli(['predict', path.join(s.dir, 'g.dlmodel.json'), '--run', dir, '--json']);
    assert.equal(p.code, 0, p.stderr);
    const cliPred = (lastJsonLine(p.stdout).predictions as { output: number[] }[])[0].output;
    const torchPred = ofType(r.events, 'predictions')[0].predictions[0].output as number[];
    cliPred.forEach((v, i) => assert.ok(Math.abs(v - torchPred[i]) < 1e-4, `TensorFlow.js ${v} vs PyTorch ${torchPred[i]}`));
  });

  it('a text-to-text (sequence) run: token metrics, the decoded text, a run folder dlmodel predicts the same text with', async () => {
    const words = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    const lines = ['words,digits'];
    for (let i = 0; i < 60; i++) {
      const d = [i % 10, (i * 7) % 10, (i * 3) % 10].slice(0, 1 + (i % 3));
      lines.push(`${d.map((k) => words[k]).join(' ')},${d.join('')}`);
    }
    writeFiles(s.dir, {
      'n.csv': lines.join('\n') + '\n',
      'n.dlmodel.json': spec({
        task: 'sequence',
        data: { source: 'n.csv', target: 'digits', text: { column: 'words', tokens: 'words' }, targetText: { tokens: 'characters' } },
        model: { layers: [{ type: 'embedding', outputDim: 8 }, { type: 'bidirectional', layer: { type: 'gru', units: 8 } }, { type: 'repeatVector' }, { type: 'lstm', units: 8, returnSequences: true }] },
        training: { epochs: 3, batchSize: 8, seed: 2 },
        predict: { inputs: [{ words: 'three one four' }, { words: 'nine' }] },
      }),
    });
    const file = path.join(s.dir, 'n.dlmodel.json');
    const r = await runTrainer(job({ specPath: file }));
    assert.equal(r.exitCode, 0, r.stderr + JSON.stringify(ofType(r.events, 'failed')));
    const fin = ofType(r.events, 'finished')[0];
    assert.equal(fin.status, 'completed');
    for (const k of ['loss', 'tokenAccuracy', 'sequenceAccuracy', 'val_tokenAccuracy', 'val_sequenceAccuracy']) assert.equal(typeof fin.metrics[k], 'number', k);
    const weights = ofType(r.events, 'weights');
    const layers = weights[weights.length - 1].layers;
    assert.equal(layers.find((l) => l.type === 'Embedding')?.embeddingRows?.length, 8 * Math.min(302, 12), 'the embedding as its rows (10 words + padding + unknown)');
    assert.ok(layers.find((l) => l.type === 'Bidirectional')?.kernel, 'the bidirectional layer has a kernel in the diagram');
    const pre = JSON.parse(readFileSync(path.join(fin.runDir, 'preprocess.json'), 'utf8'));
    assert.equal(pre.text.vocabulary.length, 10);
    const torchPreds = ofType(r.events, 'predictions')[0].predictions;
    assert.equal(torchPreds.length, 2);
    const p = await runCli(['predict', file, '--run', fin.runDir, '--json']);
    assert.equal(p.code, 0, p.stderr);
    const cli = lastJsonLine(p.stdout).predictions as { output: string; confidence: number }[];
    cli.forEach((c, i) => {
      assert.equal(typeof c.output, 'string');
      assert.equal(c.output, torchPreds[i].output, 'TensorFlow.js decodes the text PyTorch decoded');
      assert.ok(Math.abs(c.confidence - (torchPreds[i].confidence ?? NaN)) <= 1e-4 * c.confidence, `confidence ${c.confidence} vs ${torchPreds[i].confidence}`);
    });
  });

  it('stops on cancel (status stopped) and --resume continues from the last epoch', async () => {
    const r = await runTrainer(job({ epochs: 200 }), {
      onEvent(e, cancel) {
        if (e.type === 'epoch' && e.record.epoch === 2) cancel();
      },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const fin = ofType(r.events, 'finished')[0];
    assert.equal(fin.status, 'stopped');
    assert.ok(fin.epochsDone >= 2 && fin.epochsDone < 200);
    const dir = fin.runDir;
    assert.equal((await readRun(dir)).status, 'stopped');

    const resumed = await runTrainer(job({ resume: dir, epochs: fin.epochsDone + 2 }));
    assert.equal(resumed.exitCode, 0, resumed.stderr);
    const started = ofType(resumed.events, 'started')[0];
    assert.equal(started.runDir, dir);
    assert.equal(started.initialEpoch, fin.epochsDone);
    assert.equal(ofType(resumed.events, 'epoch')[0].record.epoch, fin.epochsDone + 1);
    const metrics = await readMetrics(dir);
    assert.deepEqual(metrics.map((m) => m.epoch), Array.from({ length: fin.epochsDone + 2 }, (_, i) => i + 1));
    assert.equal((await readRun(dir)).status, 'completed');
  });

  it('says plainly when the Python is missing, has no PyTorch, or dies', async () => {
    const cases: { python: string; expect: RegExp }[] = [
      { python: path.join(s.dir, 'no-such-python'), expect: /needs Python: ".*no-such-python" \(from DLMODEL_PYTHON\) was not found/ },
    ];
    // A Python without site-packages has no PyTorch; one that kills itself once training starts dies without a word.
    const noTorch = path.join(s.dir, 'python-no-torch');
    writeFileSync(noTorch, `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`);
    const dies = path.join(s.dir, 'python-dies');
    writeFileSync(dies, `#!/bin/sh\ncase "$1" in -c) exec ${PYTHON} "$@";; esac\nkill -9 $$\n`);
    chmodSync(noTorch, 0o755);
    chmodSync(dies, 0o755);
    cases.push({ python: noTorch, expect: /PyTorch is not installed for .* No module named 'torch'\. Install it/ });
    cases.push({ python: dies, expect: /train\.py was killed \(SIGKILL\)/ });
    try {
      for (const c of cases) {
        process.env.DLMODEL_PYTHON = c.python;
        const r = await runTrainer(job());
        const failed = ofType(r.events, 'failed')[0];
        assert.ok(failed, c.python);
        assert.equal(r.exitCode, 1);
        assert.match(failed.message, c.expect);
        assert.ok(!/Traceback|\n/.test(failed.message), 'one sentence, no traceback');
      }
    } finally {
      process.env.DLMODEL_PYTHON = PYTHON;
    }
  });

  it('a Python error ends the run as failed with the error in words (run.json too)', async () => {
    // A learning rate that makes a regression's loss overflow: train.py's own check, relayed as `diverged`.
    const diverging = { ...GENDER, task: 'regression', data: { source: 'people.csv', target: 'height', features: ['weight'] }, training: { epochs: 3, learningRate: 1e12, optimizer: 'sgd' } };
    writeFiles(s.dir, { 'g.dlmodel.json': spec(diverging) });
    const r = await runTrainer(job());
    const failed = ofType(r.events, 'failed')[0];
    assert.equal(r.exitCode, 1, r.stderr);
    assert.equal(failed.reason, 'diverged');
    assert.match(failed.message, /^Training diverged at epoch \d.*lower learning rate/);
    assert.ok(!/Traceback/.test(failed.message + r.stderr), 'no traceback unless DLMODEL_DEBUG is set');
    const run = await readRun(failed.runDir ?? '');
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /diverged/);
  });

  it('dlmodel export writes a program that python and torchrun (2 processes) both train to a run dlmodel predicts with', async () => {
    const file = path.join(s.dir, 'g.dlmodel.json');
    const ex = await runCli(['export', file, '--json']);
    assert.equal(ex.code, 0, ex.stderr);
    const out = lastJsonLine(ex.stdout) as { script: string; run: string };
    assert.ok(existsSync(out.script));
    assert.match(out.run, /python3? .*train\.py$/);

    const single = await runPython([out.script]);
    assert.equal(single.code, 0, single.stderr);
    // Debian's PyTorch 1.13 on Python 3.11 needs --redirects/--tee set (its default "0" no longer parses).
    // --standalone: a free port of its own (two torchruns on the default port would meet each other's store).
    const ddp = await runPython(['torchrun', '--standalone', '--nproc_per_node', '2', '--redirects', '1', '--tee', '1', out.script], { timeoutMs: 240_000 });
    assert.equal(ddp.code, 0, ddp.stderr + ddp.stdout);
    const runs = await listRuns(file);
    assert.equal(runs.length, 2, 'rank 0 alone wrote a run folder');
    for (const { dir, run } of runs) {
      assert.equal(run.status, 'completed');
      assert.equal((await readMetrics(dir)).length, 6);
      const p = await runCli(['predict', file, '--run', dir, '--json']);
      assert.equal(p.code, 0, p.stderr);
    }
    const ddpRun = runs.find((r) => /DDP over 2 processes/.test(r.run.backendDetail ?? ''));
    assert.ok(ddpRun, 'run.json says it trained data-parallel');
    const metrics = readFileSync(path.join(ddpRun.dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.equal(metrics.length, 6, 'one line per epoch, not one per process');
  });
});
