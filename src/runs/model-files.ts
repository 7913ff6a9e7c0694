// A saved model folder (model.json + the weight files its `weightsManifest` lists), checked before any weight
// is read: every listed path stays inside the folder (real paths: no `../../etc/passwd`, no link out), is a
// regular file (no `/dev/zero`), and the files together hold exactly the bytes the manifest's shapes imply
// (a truncated weights.bin is caught here, not by the library mid-load). No TensorFlow.js: validation, the
// dashboard, prediction and transfer learning all read models through this module.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { nestingProblem } from '../format/nesting';
import { FileRefused, formatBytes, isContained, LIMITS, readRegularFile } from './safe-fs';

export const MODEL_JSON = 'model.json';

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; [k: string]: unknown };
}

export interface ModelFolder {
  dir: string;
  modelJson: Record<string, unknown>;
  /** Every weight, in manifest order. */
  weights: WeightEntry[];
  /** The weight files, in manifest order, resolved and checked. */
  files: string[];
  bytes: number;
}

export class ModelFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ModelFileError';
  }
}

const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };
/** No layer of a model this tool trains comes near this many values (2^31 bytes of float32). */
const MAX_WEIGHT_VALUES = 2 ** 29;

function bytesOf(w: WeightEntry): number | undefined {
  const dtype = w.quantization?.dtype ?? w.dtype;
  const size = Object.prototype.hasOwnProperty.call(DTYPE_BYTES, dtype) ? DTYPE_BYTES[dtype] : undefined;
  if (size === undefined) return undefined;
  return w.shape.reduce((n, d) => n * d, 1) * size;
}

function checkEntry(raw: unknown, where: string, file: string): WeightEntry {
  const w = raw as Partial<WeightEntry> | null;
  if (!w || typeof w !== 'object' || typeof w.name !== 'string') throw new ModelFileError(file, `${where} has no "name"`);
  if (!Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ModelFileError(file, `weight "${w.name}" has shape ${JSON.stringify(w.shape)?.slice(0, 60)}, not a list of sizes`);
  }
  const values = w.shape.reduce((n, d) => n * d, 1);
  if (values > MAX_WEIGHT_VALUES) throw new ModelFileError(file, `weight "${w.name}" has shape [${w.shape.join(', ')}] (${values.toExponential(2)} values): far larger than any model this tool can hold`);
  const dtype = w.dtype ?? 'float32';
  const entry: WeightEntry = { name: w.name, shape: w.shape, dtype };
  if (w.quantization && typeof w.quantization === 'object') entry.quantization = w.quantization;
  if (bytesOf(entry) === undefined) throw new ModelFileError(file, `weight "${w.name}" has dtype ${JSON.stringify(w.quantization?.dtype ?? dtype)}, which this reader does not know`);
  return entry;
}

/** model.json of `dir` and its weight files, checked (see the header); throws ModelFileError. */
export async function readModelFolder(dir: string): Promise<ModelFolder> {
  const jsonFile = path.join(dir, MODEL_JSON);
  let text: string;
  try {
    text = (await readRegularFile(jsonFile, LIMITS.runFile)).toString('utf8');
  } catch (err) {
    if (err instanceof FileRefused) throw new ModelFileError(jsonFile, err.message);
    throw err;
  }
  const deep = nestingProblem(text);
  if (deep) throw new ModelFileError(jsonFile, deep.message);
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(text);
  } catch (err) {
    throw new ModelFileError(jsonFile, `not valid JSON (${(err as Error).message})`);
  }
  if (!modelJson || typeof modelJson !== 'object' || Array.isArray(modelJson)) throw new ModelFileError(jsonFile, 'not a model.json object');
  const manifest = (modelJson as { weightsManifest?: unknown }).weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw new ModelFileError(jsonFile, '"weightsManifest" is not a list');
  const weights: WeightEntry[] = [];
  const files: string[] = [];
  let have = 0;
  for (const [g, group] of manifest.entries()) {
    const paths = (group as { paths?: unknown })?.paths;
    const list = (group as { weights?: unknown })?.weights;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) throw new ModelFileError(jsonFile, `weightsManifest[${g}].paths is not a list of file names`);
    if (!Array.isArray(list)) throw new ModelFileError(jsonFile, `weightsManifest[${g}].weights is not a list`);
    list.forEach((w, i) => weights.push(checkEntry(w, `weightsManifest[${g}].weights[${i}]`, jsonFile)));
    for (const p of paths as string[]) {
      const abs = path.resolve(dir, p);
      if (!isContained(dir, abs)) throw new ModelFileError(jsonFile, `weight file "${p}" is outside the model folder; weight files must be inside it`);
      let st;
      try {
        st = await fs.stat(abs);
      } catch {
        throw new ModelFileError(jsonFile, `weight file "${p}" not found`);
      }
      if (!st.isFile()) throw new ModelFileError(jsonFile, `weight file "${p}" is not a regular file`);
      files.push(abs);
      have += st.size;
    }
  }
  const need = weights.reduce((n, w) => n + (bytesOf(w) ?? 0), 0);
  if (have !== need) {
    const names = files.map((f) => path.basename(f)).join(', ') || '(no weight files)';
    throw new ModelFileError(
      jsonFile,
      `${names}: ${have.toLocaleString('en-US')} bytes, but the shapes in weightsManifest need ${need.toLocaleString('en-US')} (${formatBytes(need)})${have < need ? ': the file is truncated' : ''}`,
    );
  }
  return { dir, modelJson: modelJson as Record<string, unknown>, weights, files, bytes: need };
}

/** The weight files' bytes, concatenated in manifest order (sizes checked again: a file may change meanwhile). */
export async function readWeightData(folder: ModelFolder): Promise<Uint8Array> {
  const out = new Uint8Array(folder.bytes);
  let off = 0;
  for (const f of folder.files) {
    let buf: Buffer;
    try {
      buf = await readRegularFile(f, LIMITS.weights);
    } catch (err) {
      throw new ModelFileError(f, (err as Error).message);
    }
    if (off + buf.byteLength > out.byteLength) throw new ModelFileError(f, 'the weight files grew while being read');
    out.set(buf, off);
    off += buf.byteLength;
  }
  if (off !== out.byteLength) throw new ModelFileError(folder.files[folder.files.length - 1] ?? folder.dir, 'the weight files shrank while being read');
  return out;
}
