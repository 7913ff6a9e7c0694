// Reading and tidying run folders (`.dlmodel/runs/<name>/<runId>/`). No TensorFlow.js here: the extension
// host, the sidebar and the command line read runs through this module without loading a backend.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EpochRecord, PredictionsJson, RunJson } from './types';

export interface RunInfo {
  dir: string;
  run: RunJson;
}

export const RUN_FILES = {
  run: 'run.json',
  metrics: 'metrics.jsonl',
  preprocess: 'preprocess.json',
  predictions: 'predictions.json',
  model: 'model',
  checkpoint: 'checkpoint',
} as const;

/** `.dlmodel/runs` beside the spec file, unless a runs root is given. */
export function runsBaseFor(specPath: string, runsRoot?: string): string {
  return runsRoot ? path.resolve(runsRoot) : path.join(path.dirname(path.resolve(specPath)), '.dlmodel', 'runs');
}

/** The folder holding every run of the experiment called `name`. */
export function runsRootFor(specPath: string, name: string, runsRoot?: string): string {
  return path.join(runsBaseFor(specPath, runsRoot), name);
}

/** Whether process `pid` still exists (EPERM means it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readRun(runDir: string): Promise<RunJson> {
  const text = await fs.readFile(path.join(runDir, RUN_FILES.run), 'utf8');
  return JSON.parse(text) as RunJson;
}

/** Writes run.json atomically (temp file + rename), so a reader never sees half a file. */
export async function writeRun(runDir: string, run: RunJson): Promise<void> {
  const file = path.join(runDir, RUN_FILES.run);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(run, null, 2) + '\n');
  await fs.rename(tmp, file);
}

/** Every complete line of metrics.jsonl; a torn last line (the process died mid-write) is skipped. */
export async function readMetrics(runDir: string): Promise<EpochRecord[]> {
  let text: string;
  try {
    text = await fs.readFile(path.join(runDir, RUN_FILES.metrics), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: EpochRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const rec = JSON.parse(line) as EpochRecord;
      if (typeof rec.epoch === 'number') out.push(rec);
    } catch {
      // Only the last line can be torn; ignoring it keeps every finished epoch.
    }
  }
  return out;
}

export async function readPredictions(runDir: string): Promise<PredictionsJson | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(runDir, RUN_FILES.predictions), 'utf8')) as PredictionsJson;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * A run left `running` by a process that no longer exists was interrupted (killed, crashed, machine
 * restarted). Marks it so in run.json, with the epochs that metrics.jsonl proves finished.
 */
export async function reconcileRun(info: RunInfo): Promise<RunInfo> {
  const { run, dir } = info;
  if (run.status !== 'running') return info;
  if (run.pid !== undefined && processAlive(run.pid)) return info;
  const metrics = await readMetrics(dir);
  const updated: RunJson = {
    ...run,
    status: 'interrupted',
    epochsDone: Math.max(run.epochsDone, metrics.length ? metrics[metrics.length - 1].epoch : 0),
    endedAt: run.endedAt ?? new Date().toISOString(),
    error: run.error ?? 'The trainer process ended without finishing (killed or crashed).',
  };
  delete updated.pid;
  try {
    await writeRun(dir, updated);
  } catch {
    // A read-only folder still gets the right status in memory.
  }
  return { dir, run: updated };
}

/**
 * The runs of one experiment, newest first. Runs are matched by the spec file's name (runs live beside
 * their spec, so this survives moving or cloning the folder), across every experiment name the spec had.
 */
export async function listRuns(specPath: string, opts: { runsRoot?: string } = {}): Promise<RunInfo[]> {
  const base = runsBaseFor(specPath, opts.runsRoot);
  const specFile = path.basename(specPath);
  const out: RunInfo[] = [];
  for (const nameDir of await subdirs(base)) {
    for (const runDir of await subdirs(nameDir)) {
      let run: RunJson;
      try {
        run = await readRun(runDir);
      } catch {
        continue; // not a run folder, or run.json not written yet
      }
      if (path.basename(run.specPath ?? '') !== specFile) continue;
      out.push(await reconcileRun({ dir: runDir, run }));
    }
  }
  out.sort((a, b) => (a.run.startedAt < b.run.startedAt ? 1 : a.run.startedAt > b.run.startedAt ? -1 : b.run.id.localeCompare(a.run.id)));
  return out;
}

export async function latestCompletedRun(specPath: string, opts: { runsRoot?: string } = {}): Promise<RunInfo | undefined> {
  return (await listRuns(specPath, opts)).find((r) => r.run.status === 'completed');
}

/** Deletes a run folder; refuses anything that does not look like one, and a run still training. */
export async function deleteRun(runDir: string): Promise<void> {
  const run = await readRun(runDir);
  if (run.status === 'running' && run.pid !== undefined && processAlive(run.pid)) {
    throw new Error(`Run ${run.id} is still training (process ${run.pid}); stop it first.`);
  }
  await fs.rm(runDir, { recursive: true, force: true });
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => path.join(dir, e.name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
