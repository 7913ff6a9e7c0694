// Starts trainer processes for the extension: a queue bounded by `dlmodel.maxConcurrentRuns`, stop, predict,
// and one stream of RunEvents for everything that watches (lenses, sidebar, dashboard, status bar).
// The tensor work happens in dist/trainer.js, a child process; this file never loads TensorFlow.js.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startTrainer, type TrainerHandle } from '../../engine/client';
import type { BackendReport, ExportJob, PredictJob, TrainerEvent, TrainJob } from '../../protocol/trainer';
import { readRun, writeRunJson, type RunInfo, type UnreadableRun } from '../../runs/folder';
import type { Row } from '../../runs/types';
import type { ActiveRun, PredictResult, RunEvent, RunService } from '../run-service';
import * as settings from '../settings';
import { requireTrust } from '../trust';
import { RunFolders } from './folders';
import { RunQueue, type QueueEntry } from './queue';

/** What `exportPytorch` wrote: the folder, its train.py, the command that runs it, every file. */
export interface ExportResult {
  dir: string;
  script: string;
  run: string;
  files: string[];
}

interface RunState {
  specPath: string;
  resume?: string;
  runDir?: string;
  epoch: number;
  epochs: number;
  loss?: number;
  handle?: TrainerHandle;
  stopRequested: boolean;
}

/** Test seams: a different trainer script or extra environment for the trainer process. */
export interface TrainerOverrides {
  trainerScript?: string;
  env?: NodeJS.ProcessEnv;
  execArgv?: string[];
}

const STDERR_TAIL = 4000;

/** One training run's life, for the progress notification and the status bar. */
export interface TrainingUpdate {
  /** Unique per queued run in this session. */
  id: number;
  specPath: string;
  phase: 'spawned' | 'progress' | 'ended';
  epoch: number;
  epochs: number;
  loss?: number;
  etaMs?: number;
  runDir?: string;
  backend?: BackendReport;
  /** With phase `ended`: how it ended (a crash without a word from the trainer becomes `failed`/`crash`). */
  end?: Extract<TrainerEvent, { type: 'finished' | 'failed' }>;
}

export class RunManager implements RunService, vscode.Disposable {
  private readonly events = new vscode.EventEmitter<RunEvent>();
  private readonly activeChanged = new vscode.EventEmitter<void>();
  readonly onEvent = this.events.event;
  readonly onDidChangeActive = this.activeChanged.event;
  private readonly folders = new RunFolders();
  readonly onDidChangeRuns = this.folders.onDidChange;
  private readonly updates = new vscode.EventEmitter<TrainingUpdate>();
  readonly onTrainingUpdate = this.updates.event;
  private readonly queue: RunQueue<RunState>;
  private readonly predictHandles = new Set<TrainerHandle>();
  private overrides: TrainerOverrides = {};
  private disposed = false;
  /** The backend the latest trainer reported, for the status bar. */
  lastBackend: BackendReport | undefined;

  constructor(
    private readonly trainerScript: string,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.queue = new RunQueue<RunState>(
      (entry) => this.runTraining(entry),
      () => settings.maxConcurrentRuns(),
      () => this.activeChanged.fire(),
    );
  }

  listRuns(specPath: string): Promise<RunInfo[]> {
    return this.folders.list(specPath);
  }

  /** The readable runs and the unreadable ones (shown as such, never hiding the rest). */
  listRunFolders(specPath: string): Promise<{ runs: RunInfo[]; unreadable: UnreadableRun[] }> {
    return this.folders.listAll(specPath);
  }

  latestCompletedRun(specPath: string): Promise<RunInfo | undefined> {
    return this.folders.latestCompleted(specPath);
  }

  setOverrides(o: TrainerOverrides): void {
    this.overrides = { ...o };
  }

  active(): ActiveRun[] {
    const toActive = (e: QueueEntry<RunState>): ActiveRun => ({
      specPath: e.item.specPath,
      runDir: e.item.runDir,
      epoch: e.item.epoch,
      epochs: e.item.epochs,
      loss: e.item.loss,
      state: e.state,
    });
    return [...this.queue.running().map(toActive), ...this.queue.queued().map(toActive)];
  }

  isActive(specPath: string): boolean {
    return this.active().some((r) => samePath(r.specPath, specPath));
  }

  /** Queues a training run; settles when it has ended (completed, stopped, failed) or was removed from the queue. */
  async train(specPath: string, opts: { resume?: string } = {}): Promise<void> {
    if (this.disposed) throw new Error('dlmodel is shutting down.');
    requireTrust('Training');
    const state: RunState = { specPath: path.resolve(specPath), resume: opts.resume, epoch: 0, epochs: 0, stopRequested: false };
    const { done } = this.queue.enqueue(state);
    this.log.info(`Queued training of ${specPath}${opts.resume ? ` (resuming ${opts.resume})` : ''}`);
    await done;
  }

  stop(specPath: string): boolean {
    const target = path.resolve(specPath);
    const removed = this.queue.remove((s) => samePath(s.specPath, target));
    let any = removed.length > 0;
    for (const e of this.queue.running()) {
      if (!samePath(e.item.specPath, target)) continue;
      any = true;
      e.item.stopRequested = true;
      e.item.handle?.cancel();
      this.log.info(`Stopping training of ${specPath}`);
    }
    return any;
  }

  async predict(specPath: string, opts: { runDir?: string; inputs?: Row[] } = {}): Promise<PredictResult> {
    requireTrust('Prediction');
    const specUri = vscode.Uri.file(specPath);
    const runsRoot = this.folders.root(specPath);
    let runDir = opts.runDir;
    if (!runDir) {
      const latest = await this.folders.latestCompleted(specPath);
      if (!latest) {
        throw new Error(`${path.basename(specPath)} has no completed run yet: train it first, then predict.`);
      }
      runDir = latest.dir;
    }
    const job: PredictJob = {
      kind: 'predict',
      specPath,
      backend: settings.backend(specUri),
      nativeBackendDir: settings.nativeBackendPath(),
      threads: settings.threads(),
      runDir,
      inputs: opts.inputs,
      runsRoot,
    };
    return this.runOnce(job, (e) => {
      if (e.type === 'started') this.lastBackend = e.backend;
      this.events.fire({ specPath, runDir: e.type === 'predictions' ? e.runDir : runDir, event: e });
      return e.type === 'predictions' ? { runDir: e.runDir, predictions: e.predictions, classNames: e.classNames } : undefined;
    });
  }

  /**
   * `dlmodel export --to pytorch` in a trainer process: train.py and its files in `outDir`, by default
   * `.dlmodel/export/<name>` beside the spec (as the command line writes it).
   */
  async exportPytorch(specPath: string, outDir?: string): Promise<ExportResult> {
    requireTrust('Export to PyTorch');
    const job: ExportJob = { kind: 'export', specPath, to: 'pytorch', outDir, runsRoot: this.folders.root(specPath) };
    return this.runOnce(job, (e) => (e.type === 'exported' ? { dir: e.dir, script: e.script, run: e.run, files: e.files } : undefined));
  }

  /**
   * A job that ends with one answer (prediction, export): `answer` picks it from the events; a `failed` event,
   * or a trainer that exits without an answer, becomes the thrown error.
   */
  private async runOnce<T>(job: PredictJob | ExportJob, answer: (e: TrainerEvent) => T | undefined): Promise<T> {
    let result: T | undefined;
    let failure: string | undefined;
    let stderr = '';
    const handle = this.start(job, {
      onEvent: (e) => {
        this.logEvent(e);
        const a = answer(e); // every event: the caller may relay them all
        if (result === undefined) result = a;
        if (e.type === 'failed') failure = e.problems?.length ? `${e.message}\n${e.problems.join('\n')}` : e.message;
      },
      onStderr: (t) => {
        stderr = (stderr + t).slice(-STDERR_TAIL);
        this.logStderr(t);
      },
    });
    this.predictHandles.add(handle);
    try {
      const done = await handle.done;
      if (result !== undefined) return result;
      throw new Error(failure ?? crashMessage(done.exitCode, done.signal, stderr));
    } finally {
      this.predictHandles.delete(handle);
    }
  }

  /**
   * Records runs left `running` by a process that is gone as `interrupted`. Only in a trusted workspace: a
   * restricted one writes nothing (the sidebar still shows such runs as interrupted, from memory).
   */
  async reconcile(specPaths: string[]): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    for (const p of specPaths) {
      try {
        await this.folders.reconcile(p);
      } catch (err) {
        this.log.warn(`Could not read the runs of ${p}: ${(err as Error).message}`);
      }
    }
  }

  private async runTraining(entry: QueueEntry<RunState>): Promise<void> {
    const s = entry.item;
    if (this.disposed) return;
    const specUri = vscode.Uri.file(s.specPath);
    const job: TrainJob = {
      kind: 'train',
      specPath: s.specPath,
      backend: settings.backend(specUri),
      nativeBackendDir: settings.nativeBackendPath(),
      threads: settings.threads(),
      pythonPath: settings.pythonPath(),
      resume: s.resume,
      runsRoot: this.folders.root(s.specPath),
      progressIntervalMs: settings.progressIntervalMs(),
    };
    this.log.info(`Training ${s.specPath} on backend '${job.backend}'`);
    let stderr = '';
    let endEvent: Extract<TrainerEvent, { type: 'finished' | 'failed' }> | undefined;
    const update = (phase: TrainingUpdate['phase'], extra: Partial<TrainingUpdate> = {}) =>
      this.updates.fire({ id: entry.id, specPath: s.specPath, phase, epoch: s.epoch, epochs: s.epochs, loss: s.loss, runDir: s.runDir, ...extra });
    const handle = this.start(job, {
      onEvent: (e) => {
        this.logEvent(e);
        switch (e.type) {
          case 'started':
            s.runDir = e.runDir;
            s.epochs = e.epochs;
            s.epoch = e.initialEpoch;
            this.lastBackend = e.backend;
            this.activeChanged.fire();
            update('progress', { backend: e.backend });
            break;
          case 'batch':
            s.loss = e.loss;
            update('progress');
            break;
          case 'epoch':
            s.epoch = e.record.epoch;
            s.epochs = e.epochs;
            s.loss = e.record.loss;
            update('progress', { etaMs: e.etaMs });
            break;
          case 'finished':
          case 'failed':
            endEvent = e;
            if (e.runDir) s.runDir = e.runDir;
            break;
          case 'weights':
          case 'log':
          case 'predictions':
            break;
        }
        this.events.fire({ specPath: s.specPath, runDir: s.runDir, event: e });
      },
      onStderr: (t) => {
        stderr = (stderr + t).slice(-STDERR_TAIL);
        this.logStderr(t);
      },
    });
    s.handle = handle;
    update('spawned');
    // Stop pressed while the process was starting: pass it on now that there is a process.
    if (s.stopRequested) handle.cancel();
    const done = await handle.done;
    s.handle = undefined;
    if (endEvent) update('ended', { end: endEvent });
    else {
      // The process died without saying why (crash, kill, out of memory): tell the watchers, and record it.
      const message = crashMessage(done.exitCode, done.signal, stderr);
      await this.markFailed(s.runDir, message);
      const event: TrainerEvent = { type: 'failed', reason: 'crash', message, runDir: s.runDir, epoch: s.epoch };
      this.log.error(`Training ${s.specPath} failed: ${message}`);
      this.events.fire({ specPath: s.specPath, runDir: s.runDir, event });
      update('ended', { end: event });
    }
  }

  private start(
    job: TrainJob | PredictJob | ExportJob,
    cb: { onEvent(e: TrainerEvent): void; onStderr(t: string): void },
  ): TrainerHandle {
    return startTrainer(job, {
      trainerScript: this.overrides.trainerScript ?? this.trainerScript,
      env: this.overrides.env,
      execArgv: this.overrides.execArgv,
      killTimeoutMs: settings.stopTimeoutMs(),
      cwd: path.dirname(job.specPath),
      onEvent: cb.onEvent,
      onStderr: cb.onStderr,
    });
  }

  private async markFailed(runDir: string | undefined, message: string): Promise<void> {
    if (!runDir) return;
    try {
      const run = await readRun(runDir);
      // `interrupted` is what listRuns writes when it notices the process is gone first; we know more.
      if (run.status !== 'running' && run.status !== 'interrupted') return;
      const updated = { ...run, status: 'failed' as const, error: message, endedAt: new Date().toISOString() };
      delete updated.pid;
      await writeRunJson(runDir, updated);
    } catch (err) {
      this.log.warn(`Could not mark ${runDir} as failed: ${(err as Error).message}`);
    }
  }

  private logEvent(e: TrainerEvent): void {
    switch (e.type) {
      case 'log':
        if (e.level === 'error') this.log.error(e.message);
        else if (e.level === 'warn') this.log.warn(e.message);
        else this.log.info(e.message);
        break;
      case 'started':
        this.log.info(`Run ${e.runId} started on ${e.backend.label} (${e.params.trainable} learnable parameters, ${e.samples.train} training rows, ${e.samples.validation} validation rows) in ${e.runDir}`);
        for (const a of e.backend.attempts) this.log.info(`  backend ${a.name}: ${a.ok ? 'loaded' : 'not used'}: ${a.reason}`);
        break;
      case 'epoch':
        this.log.debug(`epoch ${e.record.epoch}/${e.epochs} loss ${e.record.loss}`);
        break;
      case 'finished':
        this.log.info(`Run ${e.status} after ${e.epochsDone} epochs: ${JSON.stringify(e.metrics)}`);
        break;
      case 'failed':
        this.log.error(`Run failed (${e.reason}): ${e.message}`);
        for (const p of e.problems ?? []) this.log.error(`  ${p}`);
        break;
      case 'predictions':
        this.log.info(`${e.predictions.length} predictions from ${e.runDir}`);
        break;
      case 'exported':
        this.log.info(`Exported to PyTorch: ${e.script}`);
        break;
      case 'batch':
      case 'weights':
        break;
    }
  }

  private logStderr(text: string): void {
    for (const line of text.split(/\r?\n/)) if (line.trim()) this.log.info(`[trainer] ${line}`);
  }

  /** Cancels every trainer, then kills what is still running after `timeoutMs`. */
  async shutdown(timeoutMs = 5000): Promise<void> {
    this.disposed = true;
    this.queue.remove(() => true);
    const handles = [...this.queue.running().map((e) => e.item.handle), ...this.predictHandles].filter(
      (h): h is TrainerHandle => h !== undefined,
    );
    for (const h of handles) h.cancel();
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
    const all = Promise.all(handles.map((h) => h.done));
    if ((await Promise.race([all, timer])) === 'timeout') {
      for (const h of handles) h.kill();
      await Promise.race([all, new Promise((r) => setTimeout(r, 1000).unref())]);
    }
  }

  dispose(): void {
    void this.shutdown();
    this.events.dispose();
    this.folders.dispose();
    this.activeChanged.dispose();
    this.updates.dispose();
  }
}

export function crashMessage(exitCode: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  const how = signal ? `was killed (${signal})` : `exited with code ${exitCode}`;
  const tail = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-3)
    .join(' | ');
  return `The trainer process ${how} before finishing.${tail ? ` Last output: ${tail}` : ''}`;
}

export function samePath(a: string, b: string): boolean {
  const na = path.resolve(a);
  const nb = path.resolve(b);
  return process.platform === 'win32' ? na.toLowerCase() === nb.toLowerCase() : na === nb;
}
