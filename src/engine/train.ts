// One training run, from a spec file to a run folder: validate, prepare the data, load the backend, build
// (or resume) the model, then an epoch/batch loop of our own around a training step (src/engine/step), fed
// batch by batch from in-memory arrays (never the whole data set as one tensor on the device). After every
// epoch (epoch-writer.ts): a checkpoint, then the metrics line (on disk), then run.json, then the `epoch`
// event.
import * as os from 'node:os';
import * as path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { BackendReport, LayerWeights, TrainerEvent, TrainJob } from '../protocol/trainer';
import { EMBEDDING_ROWS_SENT, WHOLE_WEIGHTS_LIMIT } from '../protocol/trainer';
import type { EpochRecord, Prediction, PredictionsJson, PreprocessJson, RunJson } from '../runs/types';
import { formatBytes } from '../runs/safe-fs';
import { trainingMemory } from '../format/memory';
import { RunFileError, acquireRunLock, appendMetrics, createRunDir, hashJson, RUN_FILES, readRun, RunLockedError, runsRootFor, truncateMetrics, writeJsonAtomic, writeRunJson, type RunLock } from '../runs/folder';
import { readMetrics } from '../runs/folder';
import { analyzeRun, lossNotFinite, type CurvePoint, type Insight } from '../coach/insights';
import type { Baseline } from '../coach/baseline';
import { computeBaseline, measureActivity, predictedCounts } from './coach';
import { decodeOutput, prepareTrainingData, type PreparedData } from '../data/preprocess';
import { asFloats, copyScaled } from '../data/images';
import { mulberry32, randomSeed, shuffleInPlace } from '../data/split';
import { DataError } from '../data/table';
import { formatProblem } from '../format/problems';
import { validateSpecFile } from '../format/validate';
import { planForRun, type Plan } from '../format/plan';
import type { LayerSpec, MetricName, Spec } from '../format/types';
import { BackendError, defaultThreads, loadBackend } from './backends/index';
import { loadCheckpoint, loadRunModel, publishCheckpointAsModel, type LoopState } from './checkpoint';
import { EpochWriter } from './epoch-writer';
import { buildModel, compileModel, countParams, loadBaseModel, ModelBuildError, outputPlanOf, summarizeBuiltModel, type OutputPlan } from './model';
import { predictArray, predictRows, resolvePredictInputs } from './predict';
import { makeTrainStep, type TrainStep } from './step';
import { busyMachine, fitThreadsToModel, smallData } from './threads';
import type { TF } from './tf';
import { weightStats } from '../runs/weight-stats';
import {
  adoptConfident, EMPTY_PSEUDO_STATE, needsAdoption, roundOfEpoch, roundTrainingRows, totalEpochs, withAdoption,
  type Adopted, type PseudoLabelOptions, type PseudoLabelState,
} from '../common/pseudo-labels';
import { analyseCodes, denormalize, encodeRows, liveCodes } from './autoencoder';

export interface TrainerContext {
  emit(e: TrainerEvent): void;
  /** True once the host asked to stop (cancel message, SIGINT/SIGTERM, host gone). */
  cancelled(): boolean;
  extensionRoot: string;
  /** Events sent but not yet taken by the host. Live `weights` wait while the host is behind: on a busy
   *  machine megabytes of kernels queue up faster than the host reads them, and the run's last events
   *  would then not leave before the process exits. */
  backlog?(): number;
}

/** More unsent events than this, and live weights are skipped until the host catches up. */
export const MAX_BACKLOG = 4;

/** A failure with the reason the protocol reports; anything else thrown is a crash. */
export class RunFailure extends Error {
  constructor(
    readonly reason: Extract<TrainerEvent, { type: 'failed' }>['reason'],
    message: string,
    readonly extra: { epoch?: number; problems?: string[]; value?: number } = {},
  ) {
    super(message);
    this.name = 'RunFailure';
  }
}

const DEFAULT_PROGRESS_MS = 250;
const DEFAULT_WEIGHTS_MS = 500;
const VALIDATION_PREDICTIONS_LIMIT = 10_000;

/** Lets queued messages and signals (cancel) in between two batches: `await` alone only runs microtasks. */
const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

const OUT_OF_MEMORY =
  /out of memory|allocation failed|Cannot allocate|OOM|exceeds the (maximum|limit)|Memory\.grow|maximum memory size|memory access out of bounds|Invalid typed array length|Invalid array length|Invalid string length|Array buffer allocation/i;

/** Why a run failed, in the protocol's terms; out of memory says so, with the model's size when known. */
export function classifyError(err: unknown, model?: { params: number; bytes?: number }): { reason: 'invalid' | 'oom' | 'backend' | 'crash'; message: string } {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0].trim() || 'unknown error';
  if (err instanceof DataError || err instanceof ModelBuildError || err instanceof RunFileError) return { reason: 'invalid', message };
  if (err instanceof BackendError) return { reason: 'backend', message };
  if (OUT_OF_MEMORY.test(message) || (err instanceof RangeError && /length|size|memory/i.test(message))) {
    const known = model ?? (err as { model?: { params: number; bytes?: number } }).model;
    const size = known ? ` The model has ${known.params.toLocaleString('en-US')} parameters${known.bytes ? ` and needs about ${formatBytes(known.bytes)} to train` : ''}.` : '';
    return { reason: 'oom', message: `Out of memory (${message}).${size} Try a smaller batchSize, fewer units, or smaller images.` };
  }
  return { reason: 'crash', message };
}

export interface Setup {
  specPath: string;
  spec: Spec;
  /** Every choice of this run (format/plan.ts), with the epochs and seed it really uses. */
  plan: Plan;
  data: PreparedData;
  seed: number;
  epochs: number;
  resumeRun?: { dir: string; run: RunJson };
  pseudo?: PseudoLabelOptions & { epochsPerRound: number };
}

/** Problems of a spec as FILE:LINE:COL lines; none when it is valid. */
function specErrors(problems: Awaited<ReturnType<typeof validateSpecFile>>['problems'], file: string): string[] {
  return problems.filter((p) => p.severity === 'error').map((p) => formatProblem(p.file ?? file, p));
}

/**
 * Validates the spec (or takes a resumed run's snapshot, holding its lock in `held`) and prepares the data:
 * what every trainer needs (the torch backend too).
 */
export async function readSpec(job: TrainJob, ctx: TrainerContext, held: Held): Promise<Setup> {
  const specPath = path.resolve(job.specPath);
  let resumeRun: Setup['resumeRun'];
  if (job.resume) {
    const dir = path.resolve(job.resume);
    // The lock first: two resumes of one run (or the CLI and the editor) must not both load and write it.
    try {
      held.lock = await acquireRunLock(dir);
    } catch (err) {
      if (err instanceof RunLockedError) throw new RunFailure('invalid', `--resume ${job.resume}: this run is being trained by process ${err.pid}; wait for it or stop it`);
      const code = (err as NodeJS.ErrnoException).code;
      throw new RunFailure('invalid', `--resume ${job.resume}: not a run folder (${code === 'ENOENT' ? 'no such folder' : (err as Error).message})`);
    }
    let run: RunJson;
    try {
      run = await readRun(dir);
    } catch (err) {
      throw new RunFailure('invalid', `--resume ${job.resume}: not a readable run folder (${(err as Error).message})`);
    }
    resumeRun = { dir, run };
  }
  // Resuming continues the same experiment: the spec as it was when the run started, not as edited since.
  // That copy is checked like any spec (run.json is a file anyone could have edited); its problems point
  // into the copy, so they name run.json.
  const text = resumeRun ? JSON.stringify(resumeRun.run.spec, null, 2) : undefined;
  let validated = await validateSpecFile(specPath, text, { trusted: true });
  const early = validated.plan;
  const seed = job.seed ?? resumeRun?.run.seed ?? early?.seed ?? randomSeed();
  // A text vocabulary is fitted on the training split, which the seed picks: fit it on this run's.
  if (validated.text && seed !== (validated.spec?.training?.seed ?? 0)) validated = await validateSpecFile(specPath, text, { trusted: true, seed });
  const { spec, plan, description } = validated;
  const source = validated.table ?? validated.images;
  const where = resumeRun ? path.join(resumeRun.dir, RUN_FILES.run) : specPath;
  const lines = specErrors(validated.problems, where).map((l) => (resumeRun ? `--resume ${job.resume}: the spec saved in ${l}` : l));
  if (!spec || !plan || !description || !source || lines.length) {
    throw new RunFailure('invalid', lines[0] ?? `${where}: the spec is not valid`, { problems: lines });
  }
  const perRound = job.epochs ?? resumeRun?.run.epochsPerRound ?? resumeRun?.run.epochs ?? plan.epochs;
  ctx.emit({ type: 'log', level: 'info', message: `preparing ${spec.data.source ?? 'the inline rows'}` });
  const data = await prepareTrainingData(
    spec,
    specPath,
    { validationSplit: plan.validationSplit, shuffle: plan.shuffle, normalize: plan.normalize, missing: plan.missing, seed },
    { data: source, description, text: validated.text },
  );
  // Pseudo-labels train perRound epochs for the first fit and again after each round's adoption.
  const pseudo = plan.pseudoLabels && data.unlabelled ? plan.pseudoLabels : undefined;
  const epochs = pseudo ? totalEpochs(perRound, pseudo) : perRound;
  return {
    specPath, spec, plan: planForRun(plan, { epochs: perRound, seed }), data, seed, epochs, resumeRun,
    pseudo: pseudo ? { ...pseudo, epochsPerRound: perRound } : undefined,
  };
}

/** Regression losses and metrics are reported in the target's own units (exact for one target). */
export function unitScale(pre: PreprocessJson, plan: OutputPlan, name: string): number {
  if (pre.task !== 'regression' || !pre.targetScale || pre.target.length !== 1) return 1;
  const s = pre.targetScale.std[0];
  const base = name.replace(/^val_/, '');
  const kind = base === 'loss' ? plan.loss : base;
  if (kind === 'meanSquaredError' || kind === 'mse') return s * s;
  if (kind === 'meanAbsoluteError' || kind === 'mae') return s;
  return 1;
}

/** Builds the input and target arrays of one batch (CPU work, done while the previous step runs). */
function makeBatch(data: PreparedData, plan: OutputPlan, order: readonly number[], start: number, end: number) {
  const b = end - start;
  const size = data.inputSize;
  const xs = new Float32Array(b * size);
  // An autoencoder's target is its input.
  if (plan.targetMode === 'input') {
    for (let i = 0; i < b; i++) {
      const r = order[start + i];
      copyScaled(data.x, r * size, size, xs, i * size);
    }
    return { xs, ys: xs, b, width: size };
  }
  const width = plan.targetMode === 'onehot' || plan.targetMode === 'values' ? plan.units : plan.targetMode === 'sequence' ? (plan.positions ?? 1) : 1;
  const ys = new Float32Array(b * width);
  for (let i = 0; i < b; i++) {
    const r = order[start + i];
    copyScaled(data.x, r * size, size, xs, i * size);
    if (plan.targetMode === 'onehot') ys[i * width + data.y[r]] = 1;
    else if (plan.targetMode === 'values' || plan.targetMode === 'sequence') ys.set(data.y.subarray(r * width, (r + 1) * width), i * width);
    else ys[i] = data.y[r];
  }
  return { xs, ys, b, width };
}

/** Kernels and biases of every layer that has them, for the live network diagram. */
export async function readLayerWeights(model: LayersModel): Promise<LayerWeights[]> {
  const out: LayerWeights[] = [];
  for (let index = 0; index < model.layers.length; index++) {
    const layer = model.layers[index];
    const ws = layer.weights;
    if (!ws.length) continue;
    const kernelVar = ws.find((w) => /(kernel|embeddings|gamma)$/.test(w.originalName)) ?? ws[0];
    const biasVar = ws.find((w) => /(bias|beta)$/.test(w.originalName) && w !== kernelVar);
    const kernel = (await kernelVar.read().data()) as Float32Array;
    const lw: LayerWeights = {
      index,
      name: layer.name,
      type: layer.getClassName(),
      kernelShape: kernelVar.shape.map((d) => d ?? 0),
      stats: weightStats(kernel),
    };
    if (layer.getClassName() === 'Embedding') {
      const dim = lw.kernelShape[1] ?? 1;
      lw.embeddingRows = Array.from(kernel.subarray(0, Math.min(kernel.length, EMBEDDING_ROWS_SENT * dim)));
    } else if (kernel.length <= WHOLE_WEIGHTS_LIMIT) lw.kernel = Array.from(kernel);
    if (biasVar) lw.bias = Array.from((await biasVar.read().data()) as Float32Array);
    out.push(lw);
  }
  return out;
}

/** run.json's record of the threads the backend computed on. */
function threadFields(report: BackendReport): Pick<RunJson, 'threads' | 'threadsNote'> {
  const out: Pick<RunJson, 'threads' | 'threadsNote'> = {};
  if (report.threads !== undefined) out.threads = report.threads;
  if (report.threadsNote) out.threadsNote = report.threadsNote;
  return out;
}

class Throttle {
  private last = 0;
  constructor(private readonly ms: number) {}
  ready(now = Date.now()): boolean {
    if (now - this.last < this.ms) return false;
    this.last = now;
    return true;
  }
}

export async function runTraining(job: TrainJob, ctx: TrainerContext): Promise<'completed' | 'stopped'> {
  const held: Held = {};
  try {
    return await trainHoldingLock(job, ctx, held);
  } catch (err) {
    // An out-of-memory failure anywhere (building the model included) is reported with the model's size.
    if (held.model && err instanceof Error) Object.assign(err, { model: held.model });
    throw err;
  } finally {
    await held.lock?.release();
  }
}

/** What runTraining holds across the run: the run lock, and the model's estimated size for error messages. */
export interface Held {
  lock?: RunLock;
  model?: { params: number; bytes: number };
}

async function trainHoldingLock(job: TrainJob, ctx: TrainerContext, held: Held): Promise<'completed' | 'stopped'> {
  const setup = await readSpec(job, ctx, held);
  const { specPath, spec, plan: runPlan, data, seed, epochs, resumeRun } = setup;
  const memory = trainingMemory(runPlan.layers, runPlan.batchSize);
  held.model = { params: memory.params, bytes: memory.total };
  const { pre } = data;
  if (data.split.train.length === 0) throw new DataError(`${data.source}: no training rows`, data.source);
  if (data.dropped) ctx.emit({ type: 'log', level: 'warn', message: `${data.dropped} rows with missing values were dropped (data.missing is "drop")` });
  const text = data.pre.text;
  if (text) {
    const s = text.stats;
    const cut = s.cut ? `; ${s.cut} of them longer than maxLength ${text.maxLength} and cut` : '';
    ctx.emit({ type: 'log', level: 'info', message: `text "${text.column}": ${text.vocabulary.length} known ${text.tokens === 'words' ? 'words' : 'characters'} (of ${s.distinctTokens} seen in ${s.texts} training texts)${cut}` });
  }

  // A thread count left to us: one thread for a small data set (no worker pool to start) or a busy machine,
  // else the cores. `torch` never gets here (torch/choose.ts sends it to PyTorch).
  const small = job.threads ? undefined : smallData(data.split.train.length, data.inputSize) ?? busyMachine(defaultThreads(), os.loadavg()[0]);
  const { tf, report } = await loadBackend(job.backend === 'torch' ? 'auto' : job.backend, {
    nativeBackendDir: job.nativeBackendDir,
    extensionRoot: ctx.extensionRoot,
    threads: job.threads || (small ? 1 : undefined),
  });
  if (small && report.name === 'wasm') report.threadsNote = small;
  for (const a of report.attempts.filter((x) => !x.ok)) ctx.emit({ type: 'log', level: 'info', message: `backend ${a.name} not used: ${a.reason}` });
  if (report.threadsNote) ctx.emit({ type: 'log', level: 'info', message: `one thread: ${report.threadsNote}` });

  const plan = outputPlanOf(runPlan);
  const metricNames = runPlan.metrics;
  const optimizerSpec = { type: runPlan.optimizer, learningRate: runPlan.learningRate };

  // Every random draw tfjs makes without an explicit seed (dropout masks) goes through Math.random.
  const resumeFrom = resumeRun ? await loadCheckpoint(tf, resumeRun.dir) : undefined;
  if (resumeRun && !resumeFrom) ctx.emit({ type: 'log', level: 'warn', message: `${resumeRun.dir} has no checkpoint yet: training starts again from epoch 1` });
  const startEpoch = resumeFrom?.state.epoch ?? 0;
  Math.random = mulberry32((seed ^ 0x9e3779b9) + startEpoch * 1_000_003);

  let model: LayersModel;
  if (resumeFrom) {
    model = resumeFrom.model;
  } else {
    const base = spec.model.from ? await loadBaseModel(tf, specPath, spec.model.from) : undefined;
    const hidden = runPlan.layers.filter((l) => !l.derived && !l.fromBase) as LayerSpec[];
    model = buildModel(tf, { layers: hidden, output: plan, inputShape: runPlan.inputShape, seed, base, freeze: runPlan.freeze });
  }
  compileModel(tf, model, plan, optimizerSpec, metricNames);
  // The thread count the user left to us: one thread for a network too small for several to pay.
  if (!job.threads) {
    const why = fitThreadsToModel(tf, model, Math.max(1, runPlan.batchSize), report);
    if (why) ctx.emit({ type: 'log', level: 'info', message: `one thread: ${why}` });
  }
  if (resumeFrom && !(await resumeFrom.restoreOptimizer())) {
    ctx.emit({ type: 'log', level: 'warn', message: 'the checkpoint holds no optimizer state: the optimizer starts fresh' });
  }
  const params = countParams(model);
  const baseline = computeBaseline(data, plan.loss);
  held.model = { params: params.total, bytes: held.model?.bytes ?? 0 };

  // ---- the run folder ----
  let runDir: string;
  let run: RunJson;
  const now = new Date().toISOString();
  if (resumeRun && resumeFrom) {
    runDir = resumeRun.dir;
    const kept = await truncateMetrics(runDir, startEpoch);
    const saved = resumeFrom.state.record;
    if (saved && saved.epoch === startEpoch && kept[kept.length - 1]?.epoch !== startEpoch) await appendMetrics(runDir, saved);
    run = { ...resumeRun.run, status: 'running', pid: process.pid, epochs, epochsDone: startEpoch, backend: report.name, backendLabel: report.label };
    delete run.endedAt;
    delete run.error;
    delete run.threads;
    delete run.threadsNote;
    Object.assign(run, threadFields(report));
  } else {
    const root = runsRootFor(specPath, runPlan.name, job.runsRoot);
    const created = resumeRun ? { id: resumeRun.run.id, dir: resumeRun.dir } : await createRunDir(root);
    runDir = created.dir;
    held.lock ??= await acquireRunLock(runDir);
    if (resumeRun) await truncateMetrics(runDir, 0);
    run = {
      id: created.id,
      name: runPlan.name,
      specPath,
      spec,
      specHash: hashJson(spec),
      status: 'running',
      backend: report.name,
      backendLabel: report.label,
      backendDetail: report.attempts.map((a) => `${a.name}: ${a.ok ? 'ok' : 'no'} (${a.reason})`).join('; '),
      ...threadFields(report),
      startedAt: now,
      epochs,
      epochsDone: 0,
      params,
      pid: process.pid,
      seed,
      task: pre.task,
      plan: runPlan,
    };
    if (setup.pseudo) {
      run.epochsPerRound = setup.pseudo.epochsPerRound;
      run.rounds = [];
    }
  }
  if (baseline) run.baseline = baseline;
  await writeRunJson(runDir, run);
  await writeJsonAtomic(path.join(runDir, RUN_FILES.preprocess), pre);

  const layers = summarizeBuiltModel(model, { autoencoder: pre.task === 'autoencoder' });
  ctx.emit({
    type: 'started',
    runId: run.id,
    runDir,
    backend: report,
    params,
    layers,
    epochs,
    initialEpoch: startEpoch,
    inputNames: pre.inputNames,
    classNames: pre.classNames,
    samples: { train: data.split.train.length, validation: data.split.validation.length },
    baseline,
  });

  let status: 'completed' | 'stopped';
  const epochWriter = new EpochWriter(tf, model, runDir, (e) => ctx.emit(e));
  const loopCtx: TrainerContext = { emit: epochWriter.emit, cancelled: () => ctx.cancelled(), extensionRoot: ctx.extensionRoot, backlog: ctx.backlog };
  try {
    status = await loop(tf, model, { job, ctx: loopCtx, setup, plan, metricNames, runDir, run, report, startEpoch, resumedState: resumeFrom?.state, learningRate: optimizerSpec.learningRate, epochWriter, baseline });
  } catch (err) {
    // An epoch's writes still in flight land before the failure is recorded, never after.
    await epochWriter.abort();
    const failure = err instanceof RunFailure ? err : undefined;
    const { message } = failure ?? classifyError(err);
    const latest = await readRun(runDir).catch(() => run);
    const failedRun: RunJson = { ...latest, status: 'failed', error: message, endedAt: new Date().toISOString(), pid: undefined };
    if (failure?.reason === 'diverged' && failure.extra.epoch !== undefined) {
      failedRun.insights = [lossNotFinite(failure.extra.epoch, failure.extra.value ?? NaN, optimizerSpec.learningRate)];
    }
    await writeRunJson(runDir, failedRun, { sync: true });
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { runDir });
  }
  return status;
}

interface LoopArgs {
  job: TrainJob;
  ctx: TrainerContext;
  setup: Setup;
  plan: OutputPlan;
  metricNames: MetricName[];
  runDir: string;
  run: RunJson;
  report: BackendReport;
  startEpoch: number;
  /** The checkpoint's loop state when resuming (early-stopping best value and patience counter). */
  resumedState?: LoopState;
  learningRate: number;
  /** Checkpoint, metrics line, run.json and `epoch` event of each epoch (ctx.emit goes through it). */
  epochWriter: EpochWriter;
  baseline?: Baseline;
}

async function loop(tf: TF, model: LayersModel, a: LoopArgs): Promise<'completed' | 'stopped'> {
  const { ctx, setup, plan, metricNames, runDir, job } = a;
  const { data, plan: runPlan, epochs, seed } = setup;
  const { pre } = data;
  const batchSize = Math.max(1, runPlan.batchSize);
  const train = data.split.train;
  const validation = data.split.validation;
  const progress = new Throttle(job.progressIntervalMs ?? DEFAULT_PROGRESS_MS);
  const weightsThrottle = new Throttle(job.weightsIntervalMs ?? DEFAULT_WEIGHTS_MS);
  const names = ['loss', ...metricNames];
  const targetShape = plan.targetMode === 'sequence' ? [plan.positions ?? 1, 1] : undefined;
  const step = makeTrainStep(tf, model, { plan, metrics: metricNames, inputShape: pre.inputShape, targetShape });
  if (step.kind === 'dense-wasm') ctx.emit({ type: 'log', level: 'info', message: 'training step: dense layers on the wasm heap (no autograd tape)' });
  else if (step.reason && a.report.name === 'wasm') ctx.emit({ type: 'log', level: 'info', message: `training step: tfjs-layers trainOnBatch (${step.reason})` });

  const es = runPlan.earlyStopping;
  let monitor = es?.monitor ?? 'val_loss';
  if (es && monitor.startsWith('val_') && validation.length === 0) {
    ctx.emit({ type: 'log', level: 'warn', message: `earlyStopping monitors ${monitor} but there is no validation split; monitoring ${monitor.slice(4)} instead` });
    monitor = monitor.slice(4);
  }
  const maximize = /acc|precision|recall/.test(monitor);
  const resumed = a.resumedState;
  const pseudo = setup.pseudo;
  let pseudoState: PseudoLabelState = resumed?.pseudo ?? EMPTY_PSEUDO_STATE;
  if (pseudo) applyAdoption(data, EMPTY_PSEUDO_STATE, pseudoState);
  let state: LoopState = { epoch: a.startEpoch, seed };
  let best = resumed?.best ?? (maximize ? -Infinity : Infinity);
  let wait = resumed?.wait ?? 0;
  const restoreBest = !!es?.restoreBestWeights;
  let bestEpoch = resumed?.bestEpoch;
  // The whole curve, for the insights: a resumed run's earlier epochs come from its metrics.jsonl.
  const history: CurvePoint[] = a.startEpoch > 0 ? (await readMetrics(runDir).catch(() => [])).filter((r) => r.epoch <= a.startEpoch) : [];
  const coachBase = { task: pre.task, epochs, learningRate: a.learningRate, baseline: a.baseline, earlyStopping: es ? { restoreBestWeights: es.restoreBestWeights } : undefined };

  let run = a.run;
  let epochsDone = a.startEpoch;
  let lastRecord: EpochRecord | undefined;
  const epochTimes: number[] = [];
  let stopped = false;

  for (let epoch = a.startEpoch + 1; epoch <= epochs && !stopped; epoch++) {
    const t0 = Date.now();
    if (pseudo && needsAdoption(pseudoState, epoch, pseudo.epochsPerRound)) {
      const round = roundOfEpoch(epoch, pseudo.epochsPerRound);
      const next = withAdoption(pseudoState, round, await adoptRows(tf, model, data, plan, pseudo.threshold));
      applyAdoption(data, pseudoState, next);
      pseudoState = next;
      run = { ...run, rounds: next.rounds.map((r) => ({ ...r, unlabelled: data.unlabelled?.length ?? 0 })) };
      const adopted = next.adopted.length;
      ctx.emit({ type: 'log', level: 'info', message: `round ${round}: adopted ${adopted} of ${data.unlabelled?.length ?? 0} unlabelled rows (confidence >= ${pseudo.threshold})` });
      ctx.emit({ type: 'round', round, adopted, unlabelled: data.unlabelled?.length ?? 0 });
    }
    const epochRows = pseudo ? roundTrainingRows(train, pseudoState) : train;
    const batchesPerEpoch = Math.ceil(epochRows.length / batchSize);
    const order = [...epochRows];
    if (runPlan.shuffle) shuffleInPlace(order, mulberry32(seed + epoch * 7919));
    const sums = new Array<number>(names.length).fill(0);
    let seen = 0;
    let next = makeBatch(data, plan, order, 0, Math.min(batchSize, order.length));
    for (let bi = 0; bi < batchesPerEpoch; bi++) {
      const cur = next;
      const pending = step.train(cur);
      // Prefetch: the next batch is assembled while an asynchronous backend (WebGPU) works on this one.
      if (bi + 1 < batchesPerEpoch) {
        const s = (bi + 1) * batchSize;
        next = makeBatch(data, plan, order, s, Math.min(s + batchSize, order.length));
      }
      const values = await pending;
      if (!Number.isFinite(values[0])) throw diverged(epoch, `batch ${bi + 1}: the loss`, values[0], a.learningRate);
      values.forEach((v, i) => (sums[i] += v * cur.b));
      seen += cur.b;
      if (progress.ready()) {
        const m: Record<string, number> = {};
        names.slice(1).forEach((n, i) => (m[n] = (sums[i + 1] / seen) * unitScale(pre, plan, n)));
        ctx.emit({ type: 'batch', epoch, batch: bi + 1, batchesPerEpoch, loss: (sums[0] / seen) * unitScale(pre, plan, 'loss'), metrics: m });
      }
      if ((ctx.backlog?.() ?? 0) <= MAX_BACKLOG && weightsThrottle.ready()) ctx.emit({ type: 'weights', epoch, batch: bi + 1, layers: await readLayerWeights(model) });
      await yieldToEvents();
      if (ctx.cancelled()) {
        stopped = true;
        break;
      }
    }
    if (stopped) break;

    // ---- end of epoch: validation, then checkpoint, metrics line, run.json, event (epoch-writer.ts) ----
    const record = { epoch } as EpochRecord;
    if (pseudo) record.round = roundOfEpoch(epoch, pseudo.epochsPerRound);
    names.forEach((n, i) => (record[n] = (sums[i] / seen) * unitScale(pre, plan, n)));
    if (validation.length) {
      const v = await evaluate(step, data, plan, validation, batchSize, names.length);
      names.forEach((n, i) => (record[`val_${n}`] = v[i] * unitScale(pre, plan, n)));
      if (!Number.isFinite(record.val_loss)) throw diverged(epoch, 'the validation loss', record.val_loss, a.learningRate);
    }
    record.ms = Date.now() - t0;
    epochTimes.push(record.ms);

    let stopNow = false;
    if (es) {
      const current = record[monitor];
      if (current === undefined) {
        ctx.emit({ type: 'log', level: 'warn', message: `earlyStopping: no value "${monitor}" in the metrics (${Object.keys(record).join(', ')})` });
      } else {
        wait++;
        const improved = maximize ? current - es.minDelta > best : current + es.minDelta < best;
        if (improved) {
          best = current;
          wait = 0;
          bestEpoch = epoch;
        }
        if (wait >= es.patience) stopNow = true;
      }
    }
    state = { epoch, seed, best: Number.isFinite(best) ? best : undefined, wait, record, bestEpoch };
    if (pseudo) state.pseudo = pseudoState;
    epochsDone = epoch;
    lastRecord = record;
    history.push(record);
    const live = analyzeRun({ ...coachBase, history, live: true });
    run = { ...run, epochsDone, finalMetrics: metricsOf(record), insights: live };
    const avg = epochTimes.reduce((s, x) => s + x, 0) / epochTimes.length;
    // The code space as it moves, for the dashboard: a fixed sample of rows, each epoch.
    if (pre.task === 'autoencoder' && job.liveCodes !== false) {
      ctx.emit({ type: 'codes', epoch, points: await liveCodes(tf, model, pre, data.x, data.n, data.labels, data.inputs) });
    }
    // Copies the weights now; on wasm and cpu the files and the event follow while the next epoch trains.
    await a.epochWriter.epochEnd(state, record, run, { type: 'epoch', record, epochs, etaMs: Math.round(avg * (epochs - epoch)), insights: live }, { best: restoreBest && bestEpoch === epoch });
    if (stopNow) {
      ctx.emit({ type: 'log', level: 'info', message: `early stopping after epoch ${epoch}: ${monitor} did not improve for ${es?.patience} epochs (best ${best})` });
      break;
    }
    if (ctx.cancelled()) stopped = true;
  }

  // ---- the end: final model, predictions, run.json ----
  const status: 'completed' | 'stopped' = stopped ? 'stopped' : 'completed';
  await a.epochWriter.finish();
  // restoreBestWeights (as Keras): the saved model is the best epoch's, whether training stopped early or not.
  const restoredEpoch = restoreBest && bestEpoch !== undefined && bestEpoch !== epochsDone ? bestEpoch : undefined;
  const haveModel = (restoredEpoch !== undefined && (await publishCheckpointAsModel(runDir, 'best'))) || (await publishCheckpointAsModel(runDir));
  const restored = restoredEpoch !== undefined && haveModel ? restoredEpoch : undefined;
  if (restored !== undefined) ctx.emit({ type: 'log', level: 'info', message: `restoreBestWeights: the saved model is epoch ${restored}'s (best ${monitor} ${best})` });
  let predicted: ReturnType<typeof predictedCounts>;
  let activity: Awaited<ReturnType<typeof measureActivity>> = [];
  if (haveModel) {
    // After a stop mid-epoch the weights in memory are half an epoch ahead, and with restoreBestWeights they
    // are not the best epoch's: predict with the saved ones.
    const final = stopped || restored !== undefined ? await loadRunModel(tf, runDir).catch(() => model) : model;
    ctx.emit({ type: 'weights', epoch: restored ?? epochsDone, layers: await readLayerWeights(final).catch(() => []) });
    try {
      const predictions = pre.task === 'autoencoder' ? await writeAutoencoderResults(tf, final, a, runDir) : await writePredictions(tf, final, a, runDir);
      predicted = predictedCounts(pre.classNames, predictions.validation);
      ctx.emit({ type: 'predictions', runDir, predictions: predictions.predict.length ? predictions.predict : predictions.validation.slice(0, 50), classNames: pre.classNames });
    } catch (err) {
      ctx.emit({ type: 'log', level: 'warn', message: `predictions.json not written: ${classifyError(err).message}` });
    }
    try {
      activity = await measureActivity(tf, final, setup.spec.model.layers ?? [], data);
    } catch (err) {
      ctx.emit({ type: 'log', level: 'warn', message: `layer activity not measured: ${classifyError(err).message}` });
    }
  }
  const insights: Insight[] = analyzeRun({ ...coachBase, history, predicted, activity });
  const savedRecord = restored !== undefined ? history.find((r) => r.epoch === restored) : lastRecord;
  const finalMetrics = savedRecord ? metricsOf(savedRecord as EpochRecord) : {};
  run = { ...run, status, epochsDone, finalMetrics, insights, endedAt: new Date().toISOString() };
  if (restored !== undefined) run.restoredEpoch = restored;
  delete run.pid;
  await writeRunJson(runDir, run, { sync: true });
  ctx.emit({ type: 'finished', status, runDir, epochsDone, metrics: finalMetrics, insights, baseline: a.baseline, restoredEpoch: restored, ...(run.rounds ? { rounds: run.rounds } : {}) });
  return status;
}

function metricsOf(record: EpochRecord): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(record)) if (k !== 'epoch' && k !== 'ms' && k !== 'round') out[k] = v;
  return out;
}

/** The unlabelled rows the model now predicts with at least `threshold` confidence. */
async function adoptRows(tf: TF, model: LayersModel, data: PreparedData, plan: OutputPlan, threshold: number): Promise<Adopted[]> {
  const rows = data.unlabelled ?? [];
  if (!rows.length) return [];
  const size = data.inputSize;
  const x = new Float32Array(rows.length * size);
  rows.forEach((r, i) => copyScaled(data.x, r * size, size, x, i * size));
  const { out, units } = await predictArray(tf, model, data.pre.inputShape, x, rows.length);
  return adoptConfident(rows, out, plan.units === 1 ? 1 : units, threshold);
}

/** Gives adopted rows their pseudo-label (as their target) and takes it back from rows no longer adopted. */
function applyAdoption(data: PreparedData, before: PseudoLabelState, after: PseudoLabelState): void {
  for (const a of before.adopted) data.y[a.row] = -1;
  for (const a of after.adopted) data.y[a.row] = a.cls;
}

/** Loss and metrics over `rows`, in batches, weighted by batch size (as Keras reports them). */
async function evaluate(step: TrainStep, data: PreparedData, plan: OutputPlan, rows: readonly number[], batchSize: number, count: number): Promise<number[]> {
  const sums = new Array<number>(count).fill(0);
  const evalBatch = Math.max(batchSize, 256);
  for (let s = 0; s < rows.length; s += evalBatch) {
    const b = makeBatch(data, plan, rows, s, Math.min(s + evalBatch, rows.length));
    const values = await step.evaluate(b);
    for (let i = 0; i < count; i++) sums[i] += (values[i] ?? NaN) * b.b;
  }
  return sums.map((v) => v / rows.length);
}

async function writePredictions(tf: TF, model: LayersModel, a: LoopArgs, runDir: string): Promise<PredictionsJson> {
  const { data, spec, specPath } = a.setup;
  const { pre } = data;
  const rows = data.split.validation.slice(0, VALIDATION_PREDICTIONS_LIMIT);
  const size = data.inputSize;
  const x = new Float32Array(rows.length * size);
  rows.forEach((r, i) => copyScaled(data.x, r * size, size, x, i * size));
  const { out, units } = await predictArray(tf, model, pre.inputShape, x, rows.length);
  const validation: Prediction[] = rows.map((r, i) => ({
    input: data.inputs[r],
    ...decodeOutput(pre, out.subarray(i * units, (i + 1) * units)),
    expected: data.expected[r],
  }));
  let predict: Prediction[] = [];
  if (spec.predict?.inputs || spec.predict?.source) {
    try {
      const inputs = await resolvePredictInputs(pre, { specPath, spec });
      const res = await predictRows(tf, model, pre, inputs.rows, inputs.baseDir, inputs.where);
      predict = res.predictions;
      for (const w of res.warnings) a.ctx.emit({ type: 'log', level: 'warn', message: w });
    } catch (err) {
      a.ctx.emit({ type: 'log', level: 'warn', message: `predict inputs skipped: ${classifyError(err).message}` });
    }
  }
  const json: PredictionsJson = { runId: a.run.id, validation, predict };
  await writeJsonAtomic(path.join(runDir, RUN_FILES.predictions), json);
  return json;
}

/** An autoencoder's results: autoencoder.json (codes in 2-D, clusters, purity) and predictions.json. */
async function writeAutoencoderResults(tf: TF, model: LayersModel, a: LoopArgs, runDir: string): Promise<PredictionsJson> {
  const { data, spec, specPath, seed } = a.setup;
  const { pre } = data;
  const x = asFloats(data.x);
  const enc = await encodeRows(tf, model, pre.inputShape, x, data.n);
  const ae = analyseCodes(enc, {
    runId: a.run.id, n: data.n, train: data.split.train, validation: data.split.validation, clusters: spec.model.clusters, seed,
    labels: data.labels, labelNames: pre.labelNames, inputs: data.inputs, pre, x,
  });
  await writeJsonAtomic(path.join(runDir, RUN_FILES.autoencoder), ae);
  if (ae.report) a.ctx.emit({ type: 'log', level: 'info', message: `${ae.clusters?.k} clusters, purity ${(ae.report.purity * 100).toFixed(1)}% against the labels` });
  const size = data.inputSize;
  const shown = data.split.validation.length ? data.split.validation : data.split.train;
  const validation: Prediction[] = shown.slice(0, VALIDATION_PREDICTIONS_LIMIT).map((r) => {
    const p: Prediction = {
      input: data.inputs[r],
      output: denormalize(pre, enc.recon.subarray(r * size, (r + 1) * size)),
      code: Array.from(enc.codes.subarray(r * enc.codeSize, (r + 1) * enc.codeSize)),
      reconstructionError: enc.errors[r],
    };
    const pt = ae.points[r];
    if (pt.cluster !== undefined) p.cluster = pt.cluster;
    if (pt.label !== undefined) p.expected = pt.label;
    return p;
  });
  let predict: Prediction[] = [];
  if (spec.predict?.inputs || spec.predict?.source) {
    try {
      const inputs = await resolvePredictInputs(pre, { specPath, spec });
      const res = await predictRows(tf, model, pre, inputs.rows, inputs.baseDir, inputs.where, ae.clusters?.centroids);
      predict = res.predictions;
      for (const w of res.warnings) a.ctx.emit({ type: 'log', level: 'warn', message: w });
    } catch (err) {
      a.ctx.emit({ type: 'log', level: 'warn', message: `predict inputs skipped: ${classifyError(err).message}` });
    }
  }
  const json: PredictionsJson = { runId: a.run.id, validation, predict };
  await writeJsonAtomic(path.join(runDir, RUN_FILES.predictions), json);
  return json;
}

function diverged(epoch: number, what: string, value: number, learningRate: number): RunFailure {
  return new RunFailure(
    'diverged',
    `Training diverged at epoch ${epoch}, ${what} became ${value}. ` +
      `Try a lower learning rate (now ${learningRate}) or normalize the inputs (data.normalize "standard").`,
    { epoch, value },
  );
}
