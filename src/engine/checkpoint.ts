// Checkpoints: after every epoch the model, the optimizer's state and the loop's own state go to
// `checkpoint/` (atomically), so a stopped, crashed or killed run can be resumed where it was.
import type { PseudoLabelState } from '../common/pseudo-labels';
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, promises as fs, readdirSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { io, Tensor } from '@tensorflow/tfjs-core';
import { RUN_FILES } from '../runs/folder';
import { LIMITS, NOFOLLOW, readRegularFile } from '../runs/safe-fs';
import type { EpochRecord } from '../runs/types';
import { fileLoadHandler, MODEL_JSON, modelJsonText, replaceDirAtomically, resolveSavedDir, WEIGHTS_BIN } from './io';
import type { TF } from './tf';

const OPTIMIZER_JSON = 'optimizer.json';
const OPTIMIZER_BIN = 'optimizer.bin';
const STATE_JSON = 'state.json';

/** The training loop's own state at the end of an epoch. */
export interface LoopState {
  epoch: number;
  seed: number;
  /** Early stopping: best monitored value so far and epochs without improvement. */
  best?: number;
  wait?: number;
  /** This epoch's metrics line: the checkpoint is written before metrics.jsonl, so a process killed between
   *  the two leaves the line only here, and resuming puts it back. */
  record?: EpochRecord;
  /** Pseudo-labels: the current round's adopted rows, so a resumed run trains on the same rows. */
  pseudo?: PseudoLabelState;
  /** restoreBestWeights: the epoch whose weights `best/` holds. */
  bestEpoch?: number;
}

/** restoreBestWeights: the best epoch's model.json and weights.bin, replaced whenever an epoch improves. */
export const BEST_DIR = 'best';

/** A checkpoint copied out of the backend at an epoch boundary: writing it touches no tensor. */
export interface CheckpointSnapshot {
  modelJson: string;
  weights: Uint8Array;
  optimizer?: { json: string; bin: Uint8Array };
  state: string;
}

type Named = { name: string; tensor: Tensor };

/**
 * wasm and cpu read a tensor synchronously as a plain copy. Elsewhere (WebGPU, native) reads are
 * asynchronous: the trainer awaits them, and the writes, before the next step.
 */
export function readsSynchronously(tf: TF): boolean {
  const b = tf.getBackend();
  return b === 'wasm' || b === 'cpu';
}

/** tf.io.encodeWeights' layout (specs in order, values concatenated), read with dataSync where `sync`. */
async function encodeNamed(tf: TF, named: Named[], sync: boolean): Promise<{ data: Uint8Array; specs: io.WeightsManifestEntry[] }> {
  if (!sync || named.some((n) => n.tensor.dtype !== 'float32' && n.tensor.dtype !== 'int32' && n.tensor.dtype !== 'bool')) {
    const { data, specs } = await tf.io.encodeWeights(named);
    return { data: Array.isArray(data) ? Buffer.concat(data.map((b) => Buffer.from(b))) : new Uint8Array(data), specs };
  }
  const values = named.map((n) => n.tensor.dataSync() as Float32Array | Int32Array | Uint8Array);
  const data = new Uint8Array(values.reduce((sum, v) => sum + v.byteLength, 0));
  let off = 0;
  for (const v of values) {
    // A copy: cpu's dataSync hands out the tensor's own array.
    data.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), off);
    off += v.byteLength;
  }
  return { data, specs: named.map((n) => ({ name: n.name, shape: n.tensor.shape, dtype: n.tensor.dtype })) };
}

// Checkpoint files are written only inside the writer's own folders, and never through a link.
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NOFOLLOW;
const OVERWRITE = constants.O_RDWR | NOFOLLOW;

function createSync(p: string, data: Uint8Array): void {
  const fd = openSync(p, CREATE, 0o644);
  try {
    for (let off = 0; off < data.byteLength; ) off += writeSync(fd, data, off, data.byteLength - off);
  } finally {
    closeSync(fd);
  }
}

/** What a folder of the writer's holds: each file's size, and its text for JSON files. */
type Held = Map<string, { size: number; text?: string }>;

/** The file operations of a checkpoint write, done in the thread pool (`asyncOps`) or at once (`syncOps`). */
interface Ops {
  readdir(p: string): Promise<string[]>;
  rm(p: string): Promise<void>;
  mkdir(p: string): Promise<void>;
  unlink(p: string): Promise<void>;
  create(p: string, data: Uint8Array): Promise<void>;
  /** Writes over a file of `size` bytes without a truncating open. */
  overwrite(p: string, data: Uint8Array, size: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

const asyncOps: Ops = {
  readdir: (p) => fs.readdir(p),
  rm: (p) => fs.rm(p, { recursive: true, force: true }),
  mkdir: async (p) => void (await fs.mkdir(p, { recursive: true })),
  unlink: (p) => fs.unlink(p),
  create: (p, data) => fs.writeFile(p, data, { flag: CREATE }),
  async overwrite(p, data, size) {
    let fh: FileHandle;
    try {
      fh = await fs.open(p, OVERWRITE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return fs.writeFile(p, data, { flag: CREATE });
    }
    try {
      for (let off = 0; off < data.byteLength; ) off += (await fh.write(data, off, data.byteLength - off, off)).bytesWritten;
      if (data.byteLength < size) await fh.truncate(data.byteLength);
    } finally {
      await fh.close();
    }
  },
  rename: (from, to) => fs.rename(from, to),
};

const syncOps: Ops = {
  readdir: async (p) => readdirSync(p),
  rm: async (p) => rmSync(p, { recursive: true, force: true }),
  mkdir: async (p) => void mkdirSync(p, { recursive: true }),
  unlink: async (p) => unlinkSync(p),
  create: async (p, data) => createSync(p, data),
  async overwrite(p, data, size) {
    let fd: number;
    try {
      fd = openSync(p, OVERWRITE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return createSync(p, data);
    }
    try {
      for (let off = 0; off < data.byteLength; ) off += writeSync(fd, data, off, data.byteLength - off, off);
      if (data.byteLength < size) ftruncateSync(fd, data.byteLength);
    } finally {
      closeSync(fd);
    }
  },
  rename: async (from, to) => renameSync(from, to),
};

/**
 * Checkpoints up to this size are written with synchronous calls: on a local disk each costs a few
 * microseconds, while an asynchronous one waits for the trainer's next turn of the event loop (one batch).
 */
export const SYNC_WRITE_LIMIT = 256 * 1024;

export interface CheckpointOptions {
  /** Read tensors with dataSync (default: on wasm and cpu). */
  syncReads?: boolean;
  /** Default SYNC_WRITE_LIMIT. */
  syncWriteLimit?: number;
}

/**
 * Writes a run's checkpoints: `snapshot` at the epoch boundary (before the next step changes the weights),
 * `write` later, one at a time. The same files and swap as `replaceDirAtomically`, with fewer system calls:
 * the previous checkpoint's folder becomes the next temporary one, a JSON file it already holds byte for
 * byte (model.json, optimizer.json) is not written again, and the others are overwritten in place (a
 * truncating open makes ext4 flush the file to disk at close; these files are never read from there).
 */
export class CheckpointWriter {
  readonly sync: boolean;
  private topology?: { key: string; json: string };
  private readonly dir: string;
  private readonly spare: string;
  private readonly old: string;
  /** The spare folder's and the live checkpoint's files, when known (else the spare is emptied first). */
  private spareFiles?: Held;
  private liveFiles?: Held;
  /** The previous checkpoint turning into the spare folder, after the swap. */
  private recycling?: Promise<void>;
  /** Spare folders of killed processes removed (once, at the first write). */
  private swept = false;

  private readonly syncWriteLimit: number;

  constructor(
    private readonly tf: TF,
    private readonly model: LayersModel,
    private readonly runDir: string,
    opts: CheckpointOptions = {},
  ) {
    this.sync = opts.syncReads ?? readsSynchronously(tf);
    this.syncWriteLimit = opts.syncWriteLimit ?? SYNC_WRITE_LIMIT;
    this.dir = path.join(runDir, RUN_FILES.checkpoint);
    this.spare = `${this.dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.old = `${this.dir}.old`;
  }

  async snapshot(state: LoopState): Promise<CheckpointSnapshot> {
    const { tf, model, sync } = this;
    // LayersModel.save's weights: model.weights in order, under their original names.
    const named: Named[] = model.weights.map((w) => ({ name: w.originalName, tensor: w.read() }));
    const weights = await encodeNamed(tf, named, sync);
    const snap: CheckpointSnapshot = { modelJson: this.modelJson(weights.specs), weights: weights.data, state: JSON.stringify(state) };
    const opt = model.optimizer ? await model.optimizer.getWeights() : [];
    try {
      if (opt.length) {
        const { data, specs } = await encodeNamed(tf, opt, sync);
        snap.optimizer = { json: JSON.stringify({ specs }), bin: data };
      }
    } finally {
      // getWeights makes a fresh `iter` scalar each call; the rest are the optimizer's own variables.
      for (const n of opt) if (!(n.tensor instanceof tf.Variable)) n.tensor.dispose();
    }
    return snap;
  }

  /** LayersModel.save's model.json; the topology and weight list do not change during a run. */
  private modelJson(specs: io.WeightsManifestEntry[]): string {
    const key = JSON.stringify(specs);
    if (this.topology?.key !== key) {
      const { model, tf } = this;
      const artifacts: io.ModelArtifacts = {
        modelTopology: model.toJSON(null, false) as io.ModelArtifacts['modelTopology'],
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        weightSpecs: specs,
      };
      const meta = model.getUserDefinedMetadata();
      if (meta != null) artifacts.userDefinedMetadata = meta;
      this.topology = { key, json: modelJsonText(artifacts) };
    }
    return this.topology.json;
  }

  /** Resolves once `snap` is the live checkpoint. */
  async write(snap: CheckpointSnapshot): Promise<void> {
    const text = new Map<string, string>([[MODEL_JSON, snap.modelJson]]);
    const binary = new Map<string, Uint8Array>([[WEIGHTS_BIN, snap.weights]]);
    if (snap.optimizer) {
      binary.set(OPTIMIZER_BIN, snap.optimizer.bin);
      text.set(OPTIMIZER_JSON, snap.optimizer.json);
    }
    text.set(STATE_JSON, snap.state);
    const files = new Map<string, { data: Uint8Array; text?: string }>();
    for (const [name, t] of text) files.set(name, { data: Buffer.from(t), text: t });
    for (const [name, data] of binary) files.set(name, { data });
    let total = 0;
    for (const f of files.values()) total += f.data.byteLength;
    const ops = total <= this.syncWriteLimit ? syncOps : asyncOps;

    await this.settle();
    let held = this.spareFiles;
    // Until the swap completes, the spare's content is unknown.
    this.spareFiles = undefined;
    if (!held) {
      let stale = [this.spare];
      if (!this.swept) {
        const prefix = `${RUN_FILES.checkpoint}.tmp-`;
        stale = (await ops.readdir(this.runDir)).filter((f) => f.startsWith(prefix)).map((f) => path.join(this.runDir, f));
        this.swept = true;
      }
      for (const d of stale) await ops.rm(d);
      await ops.mkdir(this.spare);
      held = new Map();
    }
    const writes: Promise<void>[] = [];
    for (const name of held.keys()) if (!files.has(name)) writes.push(ops.unlink(path.join(this.spare, name)));
    const written: Held = new Map();
    for (const [name, { data, text }] of files) {
      written.set(name, { size: data.byteLength, text });
      const before = held.get(name);
      if (text !== undefined && before?.text === text) continue;
      const file = path.join(this.spare, name);
      writes.push(before ? ops.overwrite(file, data, before.size) : ops.create(file, data));
    }
    await settleAll(writes);

    // The swap: a process killed between the renames leaves the previous checkpoint as `.old`.
    let hadLive = true;
    try {
      await ops.rename(this.dir, this.old);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') hadLive = false;
      else {
        // In the way: a `.old` an earlier process left (the live checkpoint is complete, so it can go).
        await ops.rm(this.old);
        await ops.rename(this.dir, this.old);
      }
    }
    await ops.rename(this.spare, this.dir);
    const previous = this.liveFiles;
    this.liveFiles = written;
    const recycling = hadLive
      ? ops.rename(this.old, this.spare).then(() => {
          this.spareFiles = previous;
        })
      : ops.rm(this.old);
    recycling.catch(() => undefined); // reported by the next write or close
    this.recycling = recycling;
  }

  private async settle(): Promise<void> {
    const p = this.recycling;
    this.recycling = undefined;
    await p;
  }

  /** Removes the spare folder (at the end of the run). */
  async close(): Promise<void> {
    await this.settle().catch(() => undefined);
    this.spareFiles = undefined;
    await fs.rm(this.spare, { recursive: true, force: true });
  }
}

/** Promise.all that also waits for the others when one fails (nothing left writing after an error). */
async function settleAll<T>(ps: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(ps);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

export interface LoadedCheckpoint {
  model: LayersModel;
  state: LoopState;
  /** Restores the optimizer's state into `model.optimizer` (call after compile); false when none was saved. */
  restoreOptimizer(): Promise<boolean>;
}

export async function loadCheckpoint(tf: TF, runDir: string): Promise<LoadedCheckpoint | undefined> {
  const dir = await resolveSavedDir(path.join(runDir, RUN_FILES.checkpoint));
  if (!dir) return undefined;
  // Regular files of bounded size only, as every run folder file (a checkpoint may come with a repository).
  const state = JSON.parse((await readRegularFile(path.join(dir, STATE_JSON), LIMITS.runFile)).toString('utf8')) as LoopState;
  const model = await tf.loadLayersModel(fileLoadHandler(dir));
  return {
    model,
    state,
    async restoreOptimizer() {
      let specsText: string;
      try {
        specsText = (await readRegularFile(path.join(dir, OPTIMIZER_JSON), LIMITS.runFile)).toString('utf8');
      } catch {
        return false;
      }
      const { specs } = JSON.parse(specsText) as { specs: io.WeightsManifestEntry[] };
      const bin = await readRegularFile(path.join(dir, OPTIMIZER_BIN), LIMITS.weights);
      const map = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer, specs);
      // setWeights matches by position, in the order getWeights produced (iterations first).
      const list = specs.map((s) => ({ name: s.name, tensor: map[s.name] }));
      if (!model.optimizer) return false;
      await model.optimizer.setWeights(list);
      return true;
    },
  };
}

export async function writeBestModel(runDir: string, snap: CheckpointSnapshot): Promise<void> {
  await replaceDirAtomically(path.join(runDir, BEST_DIR), async (tmp) => {
    await fs.writeFile(path.join(tmp, MODEL_JSON), snap.modelJson);
    await fs.writeFile(path.join(tmp, WEIGHTS_BIN), snap.weights);
  });
}

/**
 * The final model folder: model.json and weights.bin, without the optimizer, of the last checkpoint, or
 * of the best epoch (`from: "best"`, restoreBestWeights).
 */
export async function publishCheckpointAsModel(runDir: string, from: 'checkpoint' | 'best' = 'checkpoint'): Promise<boolean> {
  const src = await resolveSavedDir(path.join(runDir, from === 'best' ? BEST_DIR : RUN_FILES.checkpoint));
  if (!src) return false;
  await replaceDirAtomically(path.join(runDir, RUN_FILES.model), async (tmp) => {
    for (const f of [MODEL_JSON, WEIGHTS_BIN]) await fs.copyFile(path.join(src, f), path.join(tmp, f));
  });
  return true;
}

export async function loadRunModel(tf: TF, runDir: string): Promise<LayersModel> {
  const dir = await resolveSavedDir(path.join(runDir, RUN_FILES.model));
  if (!dir) throw new Error(`${runDir}: this run has no saved model (model/model.json)`);
  return tf.loadLayersModel(fileLoadHandler(dir));
}
