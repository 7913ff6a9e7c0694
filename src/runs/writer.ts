// Writing run folders (no TensorFlow.js): ids, run.json, metrics.jsonl. Everything is written so that a
// process killed at any instant leaves a readable folder: JSON files via temp file + rename, metrics lines
// appended and fsync'd one epoch at a time.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import type { EpochRecord, RunJson } from './types';
import { RUN_FILES, readMetrics } from './store';

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

/** Temp file + rename: a reader (or a killed writer) never leaves half a file. `sync` adds an fsync. */
export async function writeJsonAtomic(file: string, value: unknown, opts: { sync?: boolean } = {}): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await fs.open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(value, null, 2) + '\n');
    if (opts.sync) await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
}

export function writeRunJson(dir: string, run: RunJson, opts: { sync?: boolean } = {}): Promise<void> {
  return writeJsonAtomic(path.join(dir, RUN_FILES.run), run, opts);
}

/**
 * writeRunJson in two steps: the temp file now, with one synchronous call (a few KB, cheaper than waiting
 * for the event loop's next turn), and the rename when the returned function is called, so that the new
 * run.json shows only after other writes (the metrics line).
 */
export function stageRunJson(dir: string, run: RunJson): () => Promise<void> {
  const file = path.join(dir, RUN_FILES.run);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(run, null, 2) + '\n');
  return () => fs.rename(tmp, file);
}

/** Appends one epoch to metrics.jsonl and waits until it is on disk. */
export async function appendMetrics(dir: string, record: EpochRecord): Promise<void> {
  const fh = await fs.open(path.join(dir, RUN_FILES.metrics), 'a');
  try {
    await fh.writeFile(JSON.stringify(record) + '\n');
    await fh.sync();
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
    this.fh ??= await fs.open(path.join(this.dir, RUN_FILES.metrics), 'as');
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
  const file = path.join(dir, RUN_FILES.metrics);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  await fs.rename(tmp, file);
  return kept;
}
