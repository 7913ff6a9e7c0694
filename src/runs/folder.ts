// Run folders (`.dlmodel/runs/<name>/<runId>/`): the one module that reads and writes them. No TensorFlow.js:
// the extension host, the sidebar and the command line read runs here without loading a backend.
// - Every file other readers may see is written through safe-fs (exclusive random temp file, never through a
//   link, then a rename); metrics.jsonl is appended to without following a link.
// - run.json is validated on read: a bad one makes that run "unreadable", listed as such, never the whole list.
// - Listing never writes unless the caller says it may (`write: true`): a restricted workspace writes nothing.
// - A run being trained holds `run.lock` (a pid file created exclusively); a second trainer is refused.
import type { AutoencoderJson } from './autoencoder';
import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { RUN_STATUSES, type EpochRecord, type PredictionsJson, type PreprocessJson, type RunJson } from './types';
import { FileRefused, isContained, LIMITS, NOFOLLOW, openAppend, readRegularFile, stageFileAtomic, writeFileAtomic, type StagedFile } from './safe-fs';
import { unsafeSegment } from '../common/names';
import { nestingProblem } from '../format/nesting';

export interface RunInfo {
  dir: string;
  run: RunJson;
}

/** A run folder whose run.json cannot be used: shown as unreadable, with the reason. */
export interface UnreadableRun {
  dir: string;
  /** The folder's name (the run id it would have). */
  id: string;
  error: string;
}

export { unsafeSegment };

export const RUN_FILES = {
  run: 'run.json',
  metrics: 'metrics.jsonl',
  preprocess: 'preprocess.json',
  predictions: 'predictions.json',
  /** Autoencoders: codes in 2-D, clusters, reconstructions (runs/autoencoder.ts). */
  autoencoder: 'autoencoder.json',
  model: 'model',
  checkpoint: 'checkpoint',
  lock: 'run.lock',
} as const;

/** A bad run folder file: names the file and what is wrong with it. */
export class RunFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'RunFileError';
  }
}

// ---- names and places ------------------------------------------------------------------------------------

/** `.dlmodel/runs` beside the spec file, unless a runs root is given. */
export function runsBaseFor(specPath: string, runsRoot?: string): string {
  return runsRoot ? path.resolve(runsRoot) : path.join(path.dirname(path.resolve(specPath)), '.dlmodel', 'runs');
}

/** The folder holding every run of the experiment called `name` (one path segment, or this throws). */
export function runsRootFor(specPath: string, name: string, runsRoot?: string): string {
  const why = unsafeSegment(name);
  if (why) throw new RunFileError(specPath, `the experiment name ${JSON.stringify(name)} ${why}; it must be usable as one folder name`);
  return path.join(runsBaseFor(specPath, runsRoot), name);
}

/** Whether process `pid` still exists (EPERM means it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---- reading -----------------------------------------------------------------------------------------------

async function readJsonFile(file: string, limit: { bytes: number; what: string }): Promise<unknown> {
  let text: string;
  try {
    text = (await readRegularFile(file, limit)).toString('utf8');
  } catch (err) {
    if (err instanceof FileRefused) throw new RunFileError(file, err.message);
    throw err;
  }
  const deep = nestingProblem(text);
  if (deep) throw new RunFileError(file, deep.message);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RunFileError(file, `not valid JSON (${(err as Error).message})`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** run.json checked field by field: the RunJson, or why it is not one. */
export function checkRunJson(value: unknown): RunJson | string {
  if (!isObject(value)) return `run.json holds ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}, not an object`;
  const v = value;
  const str = (k: string, optional = false): string | undefined => {
    const x = v[k];
    if (x === undefined && optional) return undefined;
    return typeof x === 'string' ? undefined : `"${k}" is ${x === undefined ? 'missing' : `${JSON.stringify(x)?.slice(0, 40)}, not a string`}`;
  };
  const problem =
    str('id') ??
    (typeof v.id === 'string' && unsafeSegment(v.id) ? `"id" ${unsafeSegment(v.id)}` : undefined) ??
    str('name') ??
    str('specPath') ??
    (!isObject(v.spec) ? `"spec" is ${v.spec === undefined ? 'missing' : 'not an object'}` : undefined) ??
    (typeof v.status !== 'string' || !(RUN_STATUSES as readonly string[]).includes(v.status)
      ? `"status" is ${JSON.stringify(v.status)?.slice(0, 40) ?? 'missing'}, not one of ${RUN_STATUSES.join(', ')}`
      : undefined) ??
    str('startedAt') ??
    str('endedAt', true) ??
    str('error', true) ??
    str('backendLabel', true) ??
    str('specHash', true) ??
    (v.backend !== null && v.backend !== undefined && typeof v.backend !== 'string' ? '"backend" is not a string' : undefined) ??
    (!isCount(v.epochs) ? '"epochs" is not a number of epochs' : undefined) ??
    (!isCount(v.epochsDone) ? '"epochsDone" is not a number of epochs' : undefined) ??
    (v.pid !== undefined && !(Number.isInteger(v.pid) && (v.pid as number) > 0) ? '"pid" is not a process id' : undefined) ??
    (v.finalMetrics !== undefined && !(isObject(v.finalMetrics) && Object.values(v.finalMetrics).every((m) => typeof m === 'number' || m === null))
      ? '"finalMetrics" is not an object of numbers'
      : undefined) ??
    (v.params !== undefined && !(isObject(v.params) && isCount(v.params.total)) ? '"params" is not a parameter count' : undefined);
  return problem ?? (value as unknown as RunJson);
}

/** run.json, validated: throws a RunFileError that says what is wrong. */
export async function readRun(runDir: string): Promise<RunJson> {
  const file = path.join(runDir, RUN_FILES.run);
  const checked = checkRunJson(await readJsonFile(file, LIMITS.runJson));
  if (typeof checked === 'string') throw new RunFileError(file, checked);
  return checked;
}

/** Every complete line of metrics.jsonl; a torn last line (the process died mid-write) is skipped. */
export async function readMetrics(runDir: string): Promise<EpochRecord[]> {
  let text: string;
  try {
    text = (await readRegularFile(path.join(runDir, RUN_FILES.metrics), LIMITS.runFile)).toString('utf8');
  } catch (err) {
    if (err instanceof FileRefused && err.reason === 'missing') return [];
    throw err;
  }
  const out: EpochRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const rec = JSON.parse(line) as EpochRecord;
      if (isObject(rec) && typeof rec.epoch === 'number') out.push(rec);
    } catch {
      // Only the last line can be torn; ignoring it keeps every finished epoch.
    }
  }
  return out;
}

export async function readPredictions(runDir: string): Promise<PredictionsJson | undefined> {
  const file = path.join(runDir, RUN_FILES.predictions);
  const value = await readOptionalJson(file);
  if (value === undefined) return undefined;
  if (!isObject(value) || !Array.isArray(value.validation) || !Array.isArray(value.predict)) throw new RunFileError(file, 'not a predictions file');
  return value as unknown as PredictionsJson;
}

/** An autoencoder's autoencoder.json; undefined for other runs (and autoencoder runs that did not finish). */
export async function readAutoencoder(runDir: string): Promise<AutoencoderJson | undefined> {
  const file = path.join(runDir, RUN_FILES.autoencoder);
  const value = await readOptionalJson(file);
  if (value === undefined) return undefined;
  const bad = !isObject(value)
    ? 'not an object'
    : typeof value.codeLayer !== 'string'
      ? '"codeLayer" is missing'
      : !Array.isArray(value.points) || !value.points.every((p) => isObject(p) && Number.isFinite(p.x) && Number.isFinite(p.y) && Number.isFinite(p.error))
        ? '"points" is not a list of { x, y, error }'
        : !Array.isArray(value.examples) || !Array.isArray(value.unusual)
          ? '"examples" or "unusual" is not a list'
          : value.clusters !== undefined && (!isObject(value.clusters) || !Array.isArray(value.clusters.centroids))
            ? '"clusters" has no "centroids"'
            : undefined;
  if (bad) throw new RunFileError(file, bad);
  return value as unknown as AutoencoderJson;
}

/** preprocess.json, checked for the fields prediction relies on. */
export async function readPreprocess(runDir: string): Promise<PreprocessJson> {
  const file = path.join(runDir, RUN_FILES.preprocess);
  if (await missing(file)) throw new RunFileError(runDir, 'this run has no preprocess.json (it did not finish preparing its data)');
  const v = await readJsonFile(file, LIMITS.runFile);
  const bad = !isObject(v)
    ? 'not an object'
    : typeof v.task !== 'string'
      ? '"task" is missing'
      : !Array.isArray(v.features)
        ? '"features" is not a list'
        : !Array.isArray(v.inputNames)
          ? '"inputNames" is not a list'
          : !Array.isArray(v.inputShape) || !v.inputShape.every((d) => Number.isInteger(d) && d > 0)
            ? '"inputShape" is not a list of sizes'
            : !isObject(v.normalization) || !Array.isArray(v.normalization.a) || !Array.isArray(v.normalization.b)
              ? '"normalization" is not { kind, a, b }'
              : !Array.isArray(v.target)
                ? '"target" is not a list'
                : v.classNames !== undefined && !(Array.isArray(v.classNames) && v.classNames.every((c) => typeof c === 'string'))
                  ? '"classNames" is not a list of names'
                  : undefined;
  if (bad) throw new RunFileError(file, bad);
  return v as unknown as PreprocessJson;
}

/** A run file that a run may not have written (yet): undefined when absent, an error when unreadable. */
async function readOptionalJson(file: string): Promise<unknown> {
  try {
    return await readJsonFile(file, LIMITS.runFile);
  } catch (err) {
    if (err instanceof RunFileError && (await missing(file))) return undefined;
    throw err;
  }
}

async function missing(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => false,
    (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
  );
}

// ---- listing -------------------------------------------------------------------------------------------------

export interface ListOptions {
  runsRoot?: string;
  /**
   * Whether listing may record what it finds (a run left `running` by a process that is gone becomes
   * `interrupted` in run.json). Off by default: a restricted workspace, a dashboard or a sidebar only reads.
   */
  write?: boolean;
}

/**
 * The runs of one experiment, newest first, and the run folders that could not be read. Runs are matched by
 * the spec file's name (runs live beside their spec, so this survives moving or cloning the folder), across
 * every experiment name the spec had; an unreadable run by the folder of the spec's default name.
 */
export async function listRunFolders(specPath: string, opts: ListOptions = {}): Promise<{ runs: RunInfo[]; unreadable: UnreadableRun[] }> {
  const base = runsBaseFor(specPath, opts.runsRoot);
  const specFile = path.basename(specPath);
  const stem = specFile.replace(/\.dlmodel\.json$/i, '');
  const runs: RunInfo[] = [];
  const unreadable: UnreadableRun[] = [];
  for (const nameDir of await subdirs(base)) {
    for (const runDir of await subdirs(nameDir)) {
      let run: RunJson;
      try {
        run = await readRun(runDir);
      } catch (err) {
        if (await missing(path.join(runDir, RUN_FILES.run))) continue; // not a run folder, or run.json not written yet
        if (path.basename(nameDir) !== stem && !(await namesSpec(runDir, specFile))) continue;
        unreadable.push({ dir: runDir, id: path.basename(runDir), error: (err as Error).message });
        continue;
      }
      if (path.basename(run.specPath) !== specFile) continue;
      // Written only inside the spec's folder (or the configured runs folder): a `.dlmodel` that is a link
      // out of the project is read, never written.
      const within = opts.runsRoot ? base : path.dirname(path.resolve(specPath));
      runs.push(await reconcileRun({ dir: runDir, run }, { base: within, write: opts.write === true }));
    }
  }
  runs.sort((a, b) => (a.run.startedAt < b.run.startedAt ? 1 : a.run.startedAt > b.run.startedAt ? -1 : b.run.id.localeCompare(a.run.id)));
  unreadable.sort((a, b) => b.id.localeCompare(a.id));
  return { runs, unreadable };
}

/** A bad run.json that still names this spec file (its "specPath" is readable). */
async function namesSpec(runDir: string, specFile: string): Promise<boolean> {
  try {
    const v = await readJsonFile(path.join(runDir, RUN_FILES.run), LIMITS.runJson);
    return isObject(v) && typeof v.specPath === 'string' && path.basename(v.specPath) === specFile;
  } catch {
    return false;
  }
}

/** The readable runs of one experiment, newest first (see listRunFolders). */
export async function listRuns(specPath: string, opts: ListOptions = {}): Promise<RunInfo[]> {
  return (await listRunFolders(specPath, opts)).runs;
}

export async function latestCompletedRun(specPath: string, opts: { runsRoot?: string } = {}): Promise<RunInfo | undefined> {
  return (await listRuns(specPath, opts)).find((r) => r.run.status === 'completed');
}

/**
 * A run left `running` by a process that no longer exists was interrupted (killed, crashed, machine
 * restarted): so it is shown, with the epochs that metrics.jsonl proves finished. Recorded in run.json only
 * when the caller may write and the run folder really is inside the runs folder (not a link out of it).
 */
export async function reconcileRun(info: RunInfo, opts: { base?: string; write?: boolean } = {}): Promise<RunInfo> {
  const { run, dir } = info;
  if (run.status !== 'running') return info;
  if (run.pid !== undefined && processAlive(run.pid)) return info;
  if (await lockHeld(dir)) return info;
  const metrics = await readMetrics(dir).catch(() => []);
  const updated: RunJson = {
    ...run,
    status: 'interrupted',
    epochsDone: Math.max(run.epochsDone, metrics.length ? metrics[metrics.length - 1].epoch : 0),
    endedAt: run.endedAt ?? new Date().toISOString(),
    error: run.error ?? 'The trainer process ended without finishing (killed or crashed).',
  };
  delete updated.pid;
  if (opts.write && (!opts.base || isContained(opts.base, dir))) {
    try {
      await writeRunJson(dir, updated);
    } catch {
      // A read-only folder still gets the right status in memory.
    }
  }
  return { dir, run: updated };
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => path.join(dir, e.name));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}

/** Deletes a run folder; refuses anything that does not look like one, and a run still training. */
export async function deleteRun(runDir: string): Promise<void> {
  const run = await readRun(runDir).catch(() => undefined);
  if (run?.status === 'running' && run.pid !== undefined && processAlive(run.pid)) {
    throw new Error(`Run ${run.id} is still training (process ${run.pid}); stop it first.`);
  }
  const holder = await lockHolder(runDir);
  if (holder !== undefined) throw new Error(`Run ${path.basename(runDir)} is being trained by process ${holder}; stop it first.`);
  if (!run && (await missing(path.join(runDir, RUN_FILES.run)))) throw new Error(`${runDir} is not a run folder (no run.json)`);
  await fs.rm(runDir, { recursive: true, force: true });
}

// ---- writing ---------------------------------------------------------------------------------------------------

/** A sortable run id: local date and time plus a short random suffix, e.g. "20261121-101502-a3f". */
export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${stamp}-${randomBytes(2).toString('hex').slice(0, 3)}`;
}

/** Creates `<root>/<runId>` with a fresh id (retrying on the rare clash). */
export async function createRunDir(root: string): Promise<{ id: string; dir: string }> {
  await fs.mkdir(root, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const id = newRunId();
    const dir = path.join(root, id);
    try {
      await fs.mkdir(dir);
      return { id, dir };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 20) throw err;
    }
  }
}

/** Stable hash of a JSON value (keys sorted), to tell whether two runs used the same spec. */
export function hashJson(value: unknown): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canon(value))).digest('hex').slice(0, 16);
}

/** A JSON file of the run folder (preprocess.json, predictions.json), written atomically. */
export function writeJsonAtomic(file: string, value: unknown, opts: { sync?: boolean } = {}): Promise<void> {
  return writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', opts);
}

export function writeRunJson(dir: string, run: RunJson, opts: { sync?: boolean } = {}): Promise<void> {
  return writeJsonAtomic(path.join(dir, RUN_FILES.run), run, opts);
}

/**
 * writeRunJson in two steps: the temp file now (synchronously: a few KB), the rename when the returned
 * is committed, so that the new run.json shows only after other writes (the metrics line).
 */
export function stageRunJson(dir: string, run: RunJson): StagedFile {
  return stageFileAtomic(path.join(dir, RUN_FILES.run), JSON.stringify(run, null, 2) + '\n');
}

/** Appends one epoch to metrics.jsonl and waits until it is on disk. */
export async function appendMetrics(dir: string, record: EpochRecord): Promise<void> {
  const fh = await openAppend(path.join(dir, RUN_FILES.metrics), { sync: true });
  try {
    await fh.writeFile(JSON.stringify(record) + '\n');
  } finally {
    await fh.close();
  }
}

/**
 * metrics.jsonl held open for a run's appends, like `appendMetrics` without reopening the file. It is opened
 * in synchronous mode (O_SYNC): each append is on disk when it returns, as with a write then fsync, in one
 * call instead of two. Opened at the first append (after any `truncateMetrics`).
 */
export class MetricsLog {
  private fh?: FileHandle;
  constructor(private readonly dir: string) {}

  async append(record: EpochRecord): Promise<void> {
    this.fh ??= await openAppend(path.join(this.dir, RUN_FILES.metrics), { sync: true });
    await this.fh.writeFile(JSON.stringify(record) + '\n');
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }
}

/** Keeps only epochs up to `epoch` (resuming from a checkpoint older than the last metrics line). */
export async function truncateMetrics(dir: string, epoch: number): Promise<EpochRecord[]> {
  const kept = (await readMetrics(dir)).filter((r) => r.epoch <= epoch);
  await writeFileAtomic(path.join(dir, RUN_FILES.metrics), kept.map((r) => JSON.stringify(r) + '\n').join(''));
  return kept;
}

// ---- the run lock -------------------------------------------------------------------------------------------

/** A second trainer (or a resume) of a run that another live process is training. */
export class RunLockedError extends Error {
  constructor(
    readonly runDir: string,
    readonly pid: number,
  ) {
    super(`${runDir}: this run is being trained by process ${pid}; wait for it to finish or stop it, then resume`);
    this.name = 'RunLockedError';
  }
}

export interface RunLock {
  release(): Promise<void>;
}

async function readLockPid(file: string): Promise<number | undefined> {
  try {
    const text = (await readRegularFile(file, { bytes: 64, what: 'a run lock' })).toString('utf8').trim();
    const pid = Number(text);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The live process holding the run's lock, if any. */
export async function lockHolder(runDir: string): Promise<number | undefined> {
  const pid = await readLockPid(path.join(runDir, RUN_FILES.lock));
  return pid !== undefined && processAlive(pid) ? pid : undefined;
}

async function lockHeld(runDir: string): Promise<boolean> {
  return (await lockHolder(runDir)) !== undefined;
}

/**
 * Takes `run.lock` in `runDir` for this process: a file created exclusively holding our pid. A lock whose
 * process is gone (killed trainer) is taken over: renamed away first, so that of two processes taking over
 * the same stale lock only one succeeds. A live holder's lock is refused with RunLockedError.
 */
export async function acquireRunLock(runDir: string): Promise<RunLock> {
  const file = path.join(runDir, RUN_FILES.lock);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fh = await fs.open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o644);
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
      return { release: () => releaseLock(file) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = await readLockPid(file);
    if (pid !== undefined && pid !== process.pid && processAlive(pid)) throw new RunLockedError(runDir, pid);
    if (pid === undefined && (await lockIsFresh(file))) {
      // Created this instant by another process that has not written its pid yet.
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
    try {
      await fs.rename(file, aside);
    } catch {
      continue; // someone else took it over first: try again (and find their lock)
    }
    const moved = await readLockPid(aside);
    if (moved !== undefined && moved !== pid && processAlive(moved)) {
      // Between our read and the rename another process took the lock over: give it back.
      await fs.rename(aside, file).catch(() => undefined);
      throw new RunLockedError(runDir, moved);
    }
    await fs.unlink(aside).catch(() => undefined);
  }
  throw new Error(`${runDir}: could not take the run lock (${RUN_FILES.lock}) after several attempts`);
}

async function lockIsFresh(file: string): Promise<boolean> {
  try {
    const st = await fs.lstat(file);
    return st.isFile() && Date.now() - st.mtimeMs < 2000;
  } catch {
    return false;
  }
}

async function releaseLock(file: string): Promise<void> {
  if ((await readLockPid(file)) === process.pid) await fs.unlink(file).catch(() => undefined);
}
