// Saving and loading TensorFlow.js Layers models as files (model.json + weights.bin), the format
// `tf.loadLayersModel` reads everywhere. tfjs-core's file:// handler lives in tfjs-node only, so the
// engine brings its own, which works with every backend and with either copy of tfjs-core.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { io } from '@tensorflow/tfjs-core';
import { readModelFolder, readWeightData } from '../runs/model-files';
import { writeFileAtomic } from '../runs/safe-fs';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

function joinWeightData(data: io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  if (!Array.isArray(data)) return new Uint8Array(data);
  const total = data.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), off);
    off += b.byteLength;
  }
  return out;
}

/** The model.json of `artifacts`, its weights in one file `weights.bin` (the checkpoint writer builds it too). */
export function modelJsonText(artifacts: io.ModelArtifacts): string {
  const modelJson: io.ModelJSON = {
    modelTopology: artifacts.modelTopology as io.ModelJSON['modelTopology'],
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
  return JSON.stringify(modelJson);
}

/**
 * A save handler writing model.json and weights.bin into `dir` (created if needed). `sync: false` skips
 * fsync: fine for per-epoch checkpoints, which a killed process cannot tear (only a power cut could).
 */
export function fileSaveHandler(dir: string, opts: { sync?: boolean } = {}): io.IOHandler {
  const sync = opts.sync ?? true;
  return {
    async save(artifacts: io.ModelArtifacts): Promise<io.SaveResult> {
      await fs.mkdir(dir, { recursive: true });
      const weights = joinWeightData(artifacts.weightData);
      await writeFileAtomic(path.join(dir, WEIGHTS_BIN), weights, { sync });
      await writeFileAtomic(path.join(dir, MODEL_JSON), modelJsonText(artifacts), { sync });
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    },
  };
}

/**
 * A load handler reading a model.json (path to its folder, or to the file itself) and the weight files it
 * lists, through the checked model folder reader: weight files inside the folder, regular, of the size the
 * shapes imply.
 */
export function fileLoadHandler(modelPath: string): io.IOHandler {
  const dir = modelPath.endsWith('.json') ? path.dirname(modelPath) : modelPath;
  return {
    async load(): Promise<io.ModelArtifacts> {
      const folder = await readModelFolder(dir);
      const modelJson = folder.modelJson as unknown as io.ModelJSON;
      const weightData = await readWeightData(folder);
      return {
        modelTopology: modelJson.modelTopology,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
        trainingConfig: modelJson.trainingConfig,
        userDefinedMetadata: modelJson.userDefinedMetadata,
        weightSpecs: folder.weights as io.WeightsManifestEntry[],
        weightData: weightData.buffer as ArrayBuffer,
      };
    },
  };
}

/**
 * Replaces folder `dir` by a freshly written one without ever leaving a half-written `dir`: the content
 * goes to a temporary sibling first, then two renames swap it in. If the process dies between the renames,
 * `resolveSavedDir` finds the previous version under `<dir>.old`.
 */
export async function replaceDirAtomically(dir: string, write: (tmpDir: string) => Promise<void>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const old = `${dir}.old`;
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp, { recursive: true });
  await write(tmp);
  await fs.rm(old, { recursive: true, force: true });
  let hadOld = false;
  try {
    await fs.rename(dir, old);
    hadOld = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await fs.rename(tmp, dir);
  if (hadOld) await fs.rm(old, { recursive: true, force: true });
}

/** `dir` if it holds a model, else the `.old` copy a crash between the two renames left behind. */
export async function resolveSavedDir(dir: string): Promise<string | undefined> {
  for (const d of [dir, `${dir}.old`]) {
    try {
      await fs.access(path.join(d, MODEL_JSON));
      return d;
    } catch {
      // try the next
    }
  }
  return undefined;
}
