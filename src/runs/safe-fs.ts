// The only way dlmodel writes a file that others may read while it is written (run.json, preprocess.json,
// predictions.json, metrics.jsonl rewritten), and the only way it reads a file a spec or a run folder names.
// A cloned repository may hold symbolic links where dlmodel writes (`run.json.<pid>.tmp -> ~/.bashrc`) and
// FIFOs or devices where it reads (`data.csv -> /dev/zero`): temp files are created exclusively under a random
// name and never through a link, and reads take regular files only, up to a size limit that says what it is.
// No TensorFlow.js, no vscode: the extension host, the command line and the trainer all use it.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, promises as fs, realpathSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import * as path from 'node:path';

/** O_NOFOLLOW where the platform has it (not on Windows, where symbolic links need privileges to create). */
export const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const CREATE_EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;

/** A temp file's name beside `file`: hidden, random (never guessable from a pid), removed on failure. */
function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes `data` to `file` so that readers, and a process killed at any instant, see either the old or the new
 * content: an exclusively created temp file (fails on anything already there, a link included), then a
 * rename over `file` (which replaces a link named `file` rather than writing through it).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: { sync?: boolean } = {}): Promise<void> {
  const tmp = tempName(file);
  const fh = await fs.open(tmp, CREATE_EXCLUSIVE, 0o644);
  try {
    try {
      await fh.writeFile(data);
      if (opts.sync) await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** A temp file written and waiting to be renamed over its target (or removed). */
export interface StagedFile {
  commit(): Promise<void>;
  /** Removes the temp file (the writes it should follow failed). */
  discard(): void;
}

/**
 * writeFileAtomic in two steps: the temp file now, with synchronous calls (a few KB, cheaper than waiting for
 * the event loop), and the rename at `commit`, so that the new file shows only after other writes.
 */
export function stageFileAtomic(file: string, data: string | Uint8Array, opts: { sync?: boolean } = {}): StagedFile {
  const tmp = tempName(file);
  const remove = () => {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  };
  const fd = openSync(tmp, CREATE_EXCLUSIVE, 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < buf.byteLength; ) off += writeSync(fd, buf, off, buf.byteLength - off);
    if (opts.sync) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    remove();
    throw err;
  }
  closeSync(fd);
  return {
    async commit() {
      try {
        renameSync(tmp, file);
      } catch (err) {
        remove();
        throw err;
      }
    },
    discard: remove,
  };
}

/** Opens `file` for appending (created if absent), never through a link; `sync` opens it O_SYNC. */
export function openAppend(file: string, opts: { sync?: boolean } = {}): Promise<fs.FileHandle> {
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NOFOLLOW | (opts.sync ? constants.O_SYNC : 0);
  return fs.open(file, flags, 0o644);
}

/** A file a reader refused: not there, not a regular file, or too large. `message` says which and why. */
export class FileRefused extends Error {
  constructor(
    readonly file: string,
    readonly reason: 'missing' | 'not-regular' | 'too-large' | 'unreadable',
    detail: string,
  ) {
    super(detail);
    this.name = 'FileRefused';
  }
}

/** Size limits, each with the words used when a file exceeds it. */
export const LIMITS = {
  spec: { bytes: 8 * 1024 * 1024, what: 'a spec file' },
  table: { bytes: 512 * 1024 * 1024, what: 'a data file (CSV, TSV, JSON, JSONL)' },
  image: { bytes: 64 * 1024 * 1024, what: 'an image file' },
  runJson: { bytes: 32 * 1024 * 1024, what: 'a run.json' },
  runFile: { bytes: 256 * 1024 * 1024, what: 'a run folder file (metrics, preprocessing, predictions, model.json)' },
  weights: { bytes: 2 * 1024 * 1024 * 1024 - 1, what: 'a weights file' },
} as const;

export type Limit = { bytes: number; what: string };

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(n >= 10 * 1024 ** 2 ? 0 : 1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

/**
 * The bytes of a regular file of at most `limit.bytes`. A FIFO, a device, a socket or a folder is refused
 * before anything is read (opened non-blocking, so a FIFO without a writer cannot hang the open), and the
 * read stops at the size fstat gave, so a file growing meanwhile cannot grow the memory used.
 */
export async function readRegularFile(file: string, limit: Limit): Promise<Buffer> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileRefused(file, 'missing', 'file not found');
    if (code === 'EISDIR') throw new FileRefused(file, 'not-regular', 'is a folder, not a file');
    throw new FileRefused(file, 'unreadable', `cannot read it (${code ?? (err as Error).message})`);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new FileRefused(file, 'not-regular', 'is a folder, not a file');
    if (!st.isFile()) throw new FileRefused(file, 'not-regular', `is not a regular file (${kindName(st)}); only regular files are read`);
    if (st.size > limit.bytes) {
      throw new FileRefused(file, 'too-large', `is ${formatBytes(st.size)}, more than the ${formatBytes(limit.bytes)} allowed for ${limit.what}`);
    }
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const { bytesRead } = await fh.read(buf, off, st.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off === st.size ? buf : buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}

function kindName(st: import('node:fs').Stats): string {
  if (st.isFIFO()) return 'a named pipe';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

/**
 * The real path of `p` (symbolic links resolved). For a path that does not exist yet, its nearest existing
 * ancestor's real path plus the rest: what the path would be once created.
 */
export function realPathOf(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  for (let cur = abs; ; ) {
    try {
      return path.join(realpathSync.native(cur), ...rest.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return abs;
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

/** Whether `p`, symbolic links resolved, is `root` or inside it (root's links resolved too). */
export function isContained(root: string, p: string): boolean {
  const rel = path.relative(realPathOf(root), realPathOf(p));
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}
