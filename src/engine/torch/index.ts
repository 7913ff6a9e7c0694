// The `torch` backend inside the trainer process: prepare the data and write the PyTorch program (the
// same one `dlmodel export` writes) into the run folder's `program/`, then run it with `--events` and relay
// its events. train.py writes the run folder itself, so a run trained here and one started by hand with
// `python train.py` or `torchrun` look the same to dlmodel.
import * as path from 'node:path';
import type { ExportJob, TrainerEvent, TrainJob } from '../../protocol/trainer';
import { promises as fs } from 'node:fs';
import { acquireRunLock, createRunDir, readMetrics, readRun, RUN_FILES, runsRootFor, writeRunJson } from '../../runs/folder';
import type { PredictionsJson } from '../../runs/types';
import { analyzeRun, type Insight } from '../../coach/insights';
import type { Baseline } from '../../coach/baseline';
import { computeBaseline, predictedCounts } from '../coach';
import { exportPytorch } from '../../export/pytorch';
import { loadBackend } from '../backends/index';
import { MAX_BACKLOG, readSpec, RunFailure, type Held, type Setup, type TrainerContext } from '../train';
import { choosePython, probeTorch, type TorchProbe } from './python';
import { lastErrorLine, runRelay } from './relay';

/** TensorFlow.js on the plain CPU backend: only to build the network once and read its topology. */
async function topologyTf(ctx: TrainerContext) {
  return (await loadBackend('cpu', { extensionRoot: ctx.extensionRoot })).tf;
}

/** `dlmodel export FILE --to pytorch`. */
export async function runExport(job: ExportJob, ctx: TrainerContext): Promise<void> {
  const setup = await readSpec({ kind: 'train', specPath: job.specPath, backend: 'cpu', seed: job.seed, runsRoot: job.runsRoot }, ctx, {});
  const name = setup.plan.name;
  const outDir = path.resolve(job.outDir ?? path.join(path.dirname(setup.specPath), '.dlmodel', 'export', name));
  const res = await exportPytorch(await topologyTf(ctx), setup, { outDir, runsRoot: job.runsRoot, extensionRoot: ctx.extensionRoot });
  const python = process.platform === 'win32' ? 'python' : 'python3';
  ctx.emit({ type: 'exported', dir: res.dir, script: res.script, run: `${python} ${quote(res.script)}`, files: res.files });
}

/**
 * The coach's insights for a run train.py finished, from what it wrote (the curves, the validation
 * predictions), recorded in run.json as the TensorFlow.js trainer records them. Layer activity needs the
 * model in TensorFlow.js and is left out here.
 */
async function coachTorchRun(setup: Setup, runDir: string): Promise<{ insights?: Insight[]; baseline?: Baseline }> {
  try {
    const { plan, data } = setup;
    const baseline = computeBaseline(data, plan.loss);
    const history = await readMetrics(runDir);
    const predictions = JSON.parse(await fs.readFile(path.join(runDir, RUN_FILES.predictions), 'utf8')) as PredictionsJson;
    const es = plan.earlyStopping;
    const run = await readRun(runDir);
    const insights = analyzeRun({
      task: data.pre.task,
      history,
      epochs: run.epochs,
      learningRate: plan.learningRate,
      baseline,
      earlyStopping: es ? { restoreBestWeights: es.restoreBestWeights } : undefined,
      predicted: predictedCounts(data.pre.classNames, predictions.validation),
    });
    await writeRunJson(runDir, { ...run, insights }, { sync: true });
    return { insights, baseline };
  } catch {
    return {};
  }
}

function quote(p: string): string {
  return /^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}

/**
 * `dlmodel train --backend torch` (or `auto` when it found a GPU for PyTorch: `probe` is then known). This
 * process holds the run's lock while train.py writes the folder, as the TensorFlow.js trainer does.
 */
export async function runTorchTraining(job: TrainJob, ctx: TrainerContext, known?: TorchProbe): Promise<'completed' | 'stopped'> {
  const held: Held = {};
  try {
    return await trainThroughPython(job, ctx, held, known);
  } finally {
    await held.lock?.release();
  }
}

async function trainThroughPython(job: TrainJob, ctx: TrainerContext, held: Held, known?: TorchProbe): Promise<'completed' | 'stopped'> {
  const choice = choosePython(job.pythonPath);
  // A missing Python or PyTorch is said before anything is prepared or written (`auto` has asked already).
  if (!known) await probeTorch(choice);
  const setup = await readSpec(job, ctx, held);
  if (setup.data.dropped) ctx.emit({ type: 'log', level: 'warn', message: `${setup.data.dropped} rows with missing values were dropped (data.missing is "drop")` });

  const resuming = setup.resumeRun;
  const runDir = resuming ? resuming.dir : (await createRunDir(runsRootFor(setup.specPath, setup.plan.name, job.runsRoot))).dir;
  held.lock ??= await acquireRunLock(runDir);
  const program = path.join(runDir, 'program');
  try {
    await exportPytorch(await topologyTf(ctx), setup, { outDir: program, runsRoot: job.runsRoot, extensionRoot: ctx.extensionRoot });
  } catch (err) {
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { runDir: resuming ? runDir : undefined });
  }
  const args = [path.join(program, 'train.py'), '--events', '--seed', String(setup.seed)];
  if (resuming) args.push('--resume', runDir);
  else args.push('--run-dir', runDir);
  if (job.epochs !== undefined) args.push('--epochs', String(job.epochs));

  let started = false;
  const res = await runRelay({
    // The command as the user named it (a wrapper or a shim may set up the environment), not sys.executable.
    python: choice.command,
    args,
    cwd: program,
    // Python's own output unbuffered, so that events arrive as they happen.
    env: { PYTHONUNBUFFERED: '1' },
    emit: (e: TrainerEvent) => {
      if (e.type === 'started') {
        started = true;
        // train.py chose its device; the ladder's report says why not the earlier ones.
        for (const a of e.backend.attempts.filter((x) => !x.ok)) ctx.emit({ type: 'log', level: 'info', message: `backend ${a.name} not used: ${a.reason}` });
      }
      if ((e.type === 'weights' || e.type === 'batch') && (ctx.backlog?.() ?? 0) > MAX_BACKLOG) return;
      ctx.emit(e);
    },
    cancelled: ctx.cancelled,
    onStderr: (t) => process.stderr.write(t),
  });
  if (res.end?.type === 'finished') {
    ctx.emit({ ...res.end, ...(await coachTorchRun(setup, runDir)) });
    return res.end.status;
  }
  const failure = res.end?.type === 'failed' ? res.end : undefined;
  const message =
    failure?.message ??
    (res.spawnError
      ? `could not start ${choice.command}: ${res.spawnError}`
      : `train.py ${res.signal ? `was killed (${res.signal})` : `exited with code ${res.exitCode}`}: ${lastErrorLine(res.stderrTail) ?? 'no message'}`);
  // train.py records its own failures in run.json; a Python that died without a word is recorded here.
  if (!failure && started) {
    const run = await readRun(runDir).catch(() => undefined);
    if (run && run.status === 'running') await writeRunJson(runDir, { ...run, status: 'failed', error: message, endedAt: new Date().toISOString(), pid: undefined }, { sync: true });
  }
  throw Object.assign(new RunFailure(failure?.reason ?? 'crash', message, { epoch: failure?.epoch }), { runDir });
}
