// Checkpoints: after every epoch the model, the optimizer's state and the loop's own state go to
// `checkpoint/` (atomically), so a stopped, crashed or killed run can be resumed where it was.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { io } from '@tensorflow/tfjs-core';
import { RUN_FILES } from '../runs/store';
import type { EpochRecord } from '../runs/types';
import { fileLoadHandler, fileSaveHandler, MODEL_JSON, replaceDirAtomically, resolveSavedDir, WEIGHTS_BIN } from './io';
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
}

export async function saveCheckpoint(tf: TF, model: LayersModel, runDir: string, state: LoopState): Promise<void> {
  await replaceDirAtomically(path.join(runDir, RUN_FILES.checkpoint), async (tmp) => {
    await model.save(fileSaveHandler(tmp, { sync: false }));
    const named = model.optimizer ? await model.optimizer.getWeights() : [];
    if (named.length) {
      const { data, specs } = await tf.io.encodeWeights(named);
      const bytes = Array.isArray(data) ? Buffer.concat(data.map((b) => Buffer.from(b))) : Buffer.from(data);
      await fs.writeFile(path.join(tmp, OPTIMIZER_BIN), bytes);
      await fs.writeFile(path.join(tmp, OPTIMIZER_JSON), JSON.stringify({ specs }));
    }
    await fs.writeFile(path.join(tmp, STATE_JSON), JSON.stringify(state));
  });
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
  const state = JSON.parse(await fs.readFile(path.join(dir, STATE_JSON), 'utf8')) as LoopState;
  const model = await tf.loadLayersModel(fileLoadHandler(dir));
  return {
    model,
    state,
    async restoreOptimizer() {
      let specsText: string;
      try {
        specsText = await fs.readFile(path.join(dir, OPTIMIZER_JSON), 'utf8');
      } catch {
        return false;
      }
      const { specs } = JSON.parse(specsText) as { specs: io.WeightsManifestEntry[] };
      const bin = await fs.readFile(path.join(dir, OPTIMIZER_BIN));
      const map = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), specs);
      // setWeights matches by position, in the order getWeights produced (iterations first).
      const list = specs.map((s) => ({ name: s.name, tensor: map[s.name] }));
      if (!model.optimizer) return false;
      await model.optimizer.setWeights(list);
      return true;
    },
  };
}

/** The final model folder: the last checkpoint's model.json and weights.bin, without the optimizer. */
export async function publishCheckpointAsModel(runDir: string): Promise<boolean> {
  const src = await resolveSavedDir(path.join(runDir, RUN_FILES.checkpoint));
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
