// The `torch-cpu` column: dlmodel's own torch backend on the bench tasks. Each task is written as a dlmodel
// experiment (a .dlmodel.json and its data, in a temporary folder), exported with `dlmodel export --to pytorch`
// (the same program `dlmodel train --backend torch` writes and runs), and that program's train.py is run with
// --events, as the torch backend runs it (no --threads: PyTorch's default, every core). Samples/s come from its
// `batch` events: batches done over the time between two events of one epoch, after a warm-up, so data loading,
// validation and the run folder's writes between epochs are left out as they are for the wasm column.
//   A, D, E: the task's own seeded data (bench/tasks.ts makeData) as CSV; B, C, F: the 10,000 real digits of
//   examples/digits-mlp (an image folder; the bench's tasks use synthetic pixels of the same shape; F as an
//   autoencoder, its output layer derived by dlmodel: 784 sigmoid, mean squared error).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { TASKS, makeData, type TaskId } from './tasks';
import { runProcess } from './torch';

export interface TorchBackendResult {
  kind: 'torch-backend';
  task: TaskId;
  ok: boolean;
  error?: string;
  samplesPerSec?: number;
  /** Batches timed (between the first and the last event counted). */
  batches?: number;
  batch?: number;
  rows?: number;
  /** What the experiment trained on, when not the task's own data. */
  note?: string;
}

/** Rows written for each task (a CSV of every bench row would take longer to prepare than to measure). */
const ROWS: Partial<Record<TaskId, number>> = { A: 50_000, D: 20_000, E: 20_000 };

// 48 characters that lowercasing leaves apart and a CSV cell holds unquoted.
const CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789.;:!?-_+=*/#';

interface Experiment {
  spec: unknown;
  note?: string;
  rows: number;
}

/** Writes task `task` as a dlmodel experiment under `dir`; undefined (with why) where the torch backend cannot train it. */
function writeExperiment(task: TaskId, dir: string, root: string): Experiment | string {
  const t = TASKS[task];
  const training = { epochs: 1000, batchSize: t.batchSize, learningRate: 0.001, optimizer: 'adam', seed: 7 };
  const csv = (header: string[], lines: string[]) => writeFileSync(path.join(dir, 'data.csv'), [header.join(','), ...lines].join('\n') + '\n');
  const rows = ROWS[task] ?? t.rows;
  switch (task) {
    case 'A': {
      const d = makeData(t, rows, 1, 'float32');
      const lines: string[] = [];
      for (let r = 0; r < rows; r++) lines.push([...d.x.subarray(r * 20, r * 20 + 20)].map((v) => v.toFixed(5)).concat(`c${d.y[r]}`).join(','));
      csv([...Array.from({ length: 20 }, (_, i) => `f${i}`), 'class'], lines);
      return {
        rows,
        spec: {
          data: { source: 'data.csv', target: 'class' },
          model: { layers: [{ type: 'dense', units: 64, activation: 'relu' }, { type: 'dense', units: 64, activation: 'relu' }] },
          training,
        },
      };
    }
    case 'B':
    case 'C':
    case 'F': {
      const digits = path.join(root, 'examples', 'digits-mlp', 'digits');
      if (!existsSync(digits)) return `no ${digits}`;
      symlinkSync(digits, path.join(dir, 'digits'));
      const dense = (units: number) => ({ type: 'dense', units, activation: 'relu' });
      const layers =
        task === 'B'
          ? [{ type: 'flatten' }, dense(128)]
          : task === 'F'
            ? [{ type: 'flatten' }, dense(128), dense(32), dense(128)]
            : [
              { type: 'conv2d', filters: 16, kernelSize: 3, activation: 'relu' },
              { type: 'maxPooling2d', poolSize: 2 },
              { type: 'conv2d', filters: 32, kernelSize: 3, activation: 'relu' },
              { type: 'maxPooling2d', poolSize: 2 },
              { type: 'flatten' },
            ];
      return {
        rows: 10_000,
        note: 'the 10,000 digits of examples/digits-mlp',
        spec: {
          ...(task === 'F' ? { task: 'autoencoder' } : {}),
          data: { source: 'digits', image: { width: 28, height: 28, channels: 1 } },
          model: { layers },
          training,
        },
      };
    }
    case 'D':
    case 'E': {
      const d = makeData(t, rows, 1);
      const len = t.inputShape[0];
      const lines: string[] = [];
      for (let r = 0; r < rows; r++) {
        const ids = [...d.x.subarray(r * len, (r + 1) * len)];
        lines.push(`${task === 'D' ? ids.map((id) => CHARS[id - 1]).join('') : ids.map((id) => `w${id}`).join(' ')},k${d.y[r]}`);
      }
      csv(['text', 'label'], lines);
      const text = task === 'D' ? { column: 'text', tokens: 'characters', maxLength: len } : { column: 'text', tokens: 'words', maxLength: len, vocabularySize: t.vocab };
      const layers =
        task === 'D'
          ? [{ type: 'embedding', outputDim: 32 }, { type: 'lstm', units: 64 }]
          : [{ type: 'embedding', outputDim: 64 }, { type: 'globalAveragePooling1d' }];
      return { rows, spec: { data: { source: 'data.csv', target: 'label', text }, model: { layers }, training } };
    }
  }
}

export interface PreparedProgram {
  task: TaskId;
  dir: string;
  rows: number;
  note?: string;
}

/** The experiment for `task`, exported to a PyTorch program under `work` (with `dlmodel export`). */
export async function prepareTorchBackend(task: TaskId, cliJs: string, root: string, work: string): Promise<PreparedProgram | string> {
  const dir = path.join(work, `task-${task}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const ex = writeExperiment(task, dir, root);
  if (typeof ex === 'string') return ex;
  const spec = path.join(dir, `task-${task}.dlmodel.json`);
  writeFileSync(spec, JSON.stringify(ex.spec, null, 1) + '\n');
  const program = path.join(dir, 'program');
  const r = await runProcess(process.execPath, [cliJs, 'export', spec, '--to', 'pytorch', '--out', program], { timeoutMs: 300_000 });
  if (r.code !== 0 || !existsSync(path.join(program, 'train.py'))) {
    return `dlmodel export failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`;
  }
  return { task, dir: program, rows: ex.rows, note: ex.note };
}

interface BatchEvent {
  type: 'batch';
  epoch: number;
  batch: number;
  batchesPerEpoch: number;
}

/**
 * Runs the exported train.py with --events (as `dlmodel train --backend torch` does) until `seconds` of
 * training after `warmupS` have been timed, then stops it.
 */
export function runTorchBackend(python: string, p: PreparedProgram, seconds: number, warmupS = 1.5): Promise<TorchBackendResult> {
  const task = p.task;
  const batch = TASKS[task].batchSize;
  const base: TorchBackendResult = { kind: 'torch-backend', task, ok: false, batch, rows: p.rows, note: p.note };
  return new Promise((resolve) => {
    const runs = path.join(p.dir, '..', 'runs');
    // Progress every 20 ms, not every 250: an epoch of task A takes under a quarter of a second, and the
    // timing needs two progress events within one epoch.
    const child = spawn(python, [path.join(p.dir, 'train.py'), '--events', '--progress-every', '0.02', '--runs', runs], { cwd: p.dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = '';
    let stderr = '';
    let first: number | undefined;
    let prev: { e: BatchEvent; t: number } | undefined;
    let timedMs = 0;
    let batches = 0;
    let done = false;
    const finish = (r: TorchBackendResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ...base, error: `no ${seconds} s of training within ${seconds + 240} s` }), (seconds + 240) * 1000);
    child.stdout.on('data', (d: Buffer) => {
      const now = performance.now();
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let e: { type?: string };
        try {
          e = JSON.parse(line) as { type?: string };
        } catch {
          continue;
        }
        if (e.type === 'failed') return finish({ ...base, error: String((e as { message?: string }).message ?? 'failed') });
        if (e.type !== 'batch') continue;
        const b = e as BatchEvent;
        first ??= now;
        if (now - first < warmupS * 1000) continue;
        // Full batches of one epoch between two events (the last batch of an epoch may be short).
        if (prev && prev.e.epoch === b.epoch && b.batch < b.batchesPerEpoch) {
          timedMs += now - prev.t;
          batches += b.batch - prev.e.batch;
        }
        prev = { e: b, t: now };
        if (timedMs >= seconds * 1000 && batches > 0) {
          return finish({ ...base, ok: true, samplesPerSec: (batches * batch) / (timedMs / 1000), batches });
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', (e) => finish({ ...base, error: e.message }));
    child.on('close', (code) => finish({ ...base, error: `train.py ended (exit ${code}) before ${seconds} s were timed: ${stderr.trim().split('\n').slice(-2).join(' ')}` }));
  });
}
