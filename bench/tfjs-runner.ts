// One measurement in its own process (so that peak memory belongs to one task on one backend): load the
// backend through the product's backend ladder, build the task's network, train steps as the product's
// trainer does, report steady samples/s. Output: one JSON line on stdout.
import * as path from 'node:path';
import { loadBackend } from '../src/engine/backends/index';
import type { ConcreteBackend } from '../src/format/types';
import { fitThreadsToModel, tooSmallForThreads } from '../src/engine/threads';
import { TASKS, buildTask, compileForBench, makeData, trainSteps, type TaskId } from './tasks';

export interface TfjsResult {
  kind: 'tfjs';
  task: TaskId;
  backend: string;
  label?: string;
  ok: boolean;
  error?: string;
  samplesPerSec?: number;
  steps?: number;
  batch?: number;
  rows?: number;
  lossFirst?: number;
  lossLast?: number;
  medianStepMs?: number;
  peakRssMb: number;
  loadMs?: number;
  storage?: string;
  dataMb?: number;
  /** Threads the backend computed on, and why fewer than asked. */
  threads?: number;
  threadsNote?: string;
  /** Seconds to make the data set; one full epoch's seconds (with `epoch`). */
  dataS?: number;
  epochS?: number;
  /** Why the trainer's default would train this network on one thread (with `decideThreads`). */
  autoNote?: string;
}

export interface ChildArgs {
  task: TaskId;
  backend: ConcreteBackend;
  seconds: number;
  rows: number;
  maxSteps: number;
  warmup: number;
  /** How the inputs are held in memory: float32 as the product's trainer does, or bytes (pixels). */
  storage?: 'float32' | 'uint8';
  /** Threads for the wasm backend (default: the machine's cores). */
  threads?: number;
  /** Time one full epoch over `rows` (after the warm-up) instead of `seconds` of steps. */
  epoch?: boolean;
  /** `threads` is the default, not a choice: one thread for a network too small for several (as the trainer does). */
  autoThreads?: boolean;
  /** Keep `threads`, but report in `autoNote` why the trainer's default would take one thread for this network. */
  decideThreads?: boolean;
}

export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export async function runChild(a: ChildArgs, extensionRoot: string): Promise<TfjsResult> {
  const task = TASKS[a.task];
  const base: TfjsResult = { kind: 'tfjs', task: a.task, backend: a.backend, ok: false, peakRssMb: 0 };
  try {
    const t0 = performance.now();
    const { tf, report } = await loadBackend(a.backend, { extensionRoot, threads: a.threads });
    const loadMs = performance.now() - t0;
    const t1 = performance.now();
    const data = makeData(task, a.rows, 1, a.storage ?? 'uint8');
    const dataS = (performance.now() - t1) / 1000;
    const model = buildTask(tf, task, 7);
    compileForBench(tf, model, task);
    if (a.autoThreads) fitThreadsToModel(tf, model, task.batchSize, report);
    const autoNote = a.decideThreads ? tooSmallForThreads(model, task.batchSize) : undefined;
    const warm = await trainSteps(tf, model, task, data, a.warmup, { seed: 1 });
    const start = performance.now();
    // Timed steps until the time budget is spent (at least 2 steps, at most maxSteps).
    // An epoch: every row once, in a fresh order (trainSteps starts one), as the trainer's epoch does.
    const epochSteps = Math.floor(a.rows / task.batchSize);
    const timed = await trainSteps(tf, model, task, data, a.epoch ? epochSteps : a.maxSteps || Number.MAX_SAFE_INTEGER, {
      seed: 2,
      stop: (done) => !a.epoch && done >= 2 && performance.now() - start >= a.seconds * 1000,
    });
    const times = timed.stepMs;
    const losses = timed.losses;
    const steps = times.length;
    const elapsed = (performance.now() - start) / 1000;
    const sorted = times.slice().sort((x, y) => x - y);
    return {
      ...base,
      ok: true,
      label: report.label,
      samplesPerSec: (steps * task.batchSize) / elapsed,
      steps,
      batch: task.batchSize,
      rows: a.rows,
      lossFirst: warm.losses[0],
      lossLast: losses[losses.length - 1],
      medianStepMs: sorted[Math.floor(sorted.length / 2)],
      peakRssMb: peakRssMb(),
      loadMs,
      storage: a.storage ?? 'uint8',
      dataMb: data.x.byteLength / 2 ** 20,
      threads: report.threads,
      threadsNote: report.threadsNote,
      dataS,
      epochS: a.epoch ? elapsed : undefined,
      autoNote,
    };
  } catch (e) {
    return { ...base, error: (e as Error).message.split('\n')[0], peakRssMb: peakRssMb() };
  }
}

/** The folder holding dist/ (for the wasm binaries), from the bundle's location. */
export function extensionRootFromBundle(bundleDir: string): string {
  return path.basename(bundleDir) === 'dist' ? path.dirname(bundleDir) : bundleDir;
}
