// Rows to numbers and back. Training fits the encodings (one-hot categories, fill values, normalization,
// target scaling) on the training split only and records them in preprocess.json; prediction applies that
// record with the very same functions, so an input is prepared identically in both.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { FeatureEncoding, Normalization, Prediction, PreprocessJson, Row } from '../runs/types';
import type { Missing, Normalize, Spec } from '../format/types';
import { describeData, type DataDescription } from './columns';
import { listImageFolder, type ImageFolder } from './image-folder';
import { readImagePixels } from './images';
import { imageFileOf } from '../common/image-inputs';
import { splitIndices, type Split } from './split';
import { semiSupervisedSplit } from '../common/pseudo-labels';
import { DataError, isMissing, normalizeCell, readTable, tableFromRows, type Table } from './table';
import { argmaxIds, decodeIds, encodeText } from './text';
import { cellText, type TextData } from './text-data';

/** A data set ready for training: every kept row encoded and normalized, split by index. */
export interface PreparedData {
  pre: PreprocessJson;
  description: DataDescription;
  /**
   * n x inputSize values, row-major, normalized. Images: the pixels' bytes (a quarter of the memory of
   * floats), scaled to 0..1 batch by batch (`copyScaled`).
   */
  x: Float32Array | Uint8Array;
  /** Classification: the class index of each row. Regression: n x targets values, scaled. */
  y: Float32Array;
  n: number;
  inputSize: number;
  split: Split;
  /** What each row looked like to the user (features, or `{ file }` for images), for predictions.json. */
  inputs: Row[];
  /** The known answer of each row; undefined for an unlabelled row (pseudo-labels) and for autoencoders. */
  expected: (string | number | number[] | undefined)[];
  /** data.label of each row (for an image folder autoencoder: its sub-folder), kept aside for plots and cluster scores. */
  labels?: (string | undefined)[];
  /** Pseudo-labels: rows whose target is missing, never in the training or validation split. */
  unlabelled?: number[];
  /** Rows removed because of missing values (missing = "drop"). */
  dropped: number;
  /** Where the data came from, for messages. */
  source: string;
}

export interface PrepareOptions {
  validationSplit: number;
  shuffle: boolean;
  normalize: Normalize;
  missing: Missing;
  seed: number;
}

/** Where a row came from, as a user can find it: "data/iris.csv:17" or "spec.dlmodel.json: data.rows[3]". */
type Where = (i: number) => string;

export async function loadData(spec: Spec, specPath: string): Promise<{ data: Table | ImageFolder; where: Where; file: string }> {
  const base = path.dirname(path.resolve(specPath));
  if (spec.data.source !== undefined) {
    const file = path.resolve(base, spec.data.source);
    let isDir = false;
    try {
      isDir = (await fs.stat(file)).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new DataError(`${file}: data source not found`, file);
      throw err;
    }
    if (isDir) {
      const folder = await listImageFolder(file);
      return { data: folder, where: (i) => folder.files[i]?.path ?? file, file };
    }
    const table = await readTable(file);
    return { data: table, where: (i) => `${file}:${table.lines[i]}`, file };
  }
  const rows = spec.data.rows ?? [];
  const table = tableFromRows(rows, specPath);
  return { data: table, where: (i) => `${specPath}: data.rows[${i}]`, file: specPath };
}

/** What validation already read (format/validate.ts): the trainer prepares exactly that, not a second read. */
export interface ReadData {
  data: Table | ImageFolder;
  description: DataDescription;
  /** With `data.text`: the texts as token ids (validation prepared them with the run's seed). */
  text?: TextData;
}

export async function prepareTrainingData(spec: Spec, specPath: string, o: PrepareOptions, read?: ReadData): Promise<PreparedData> {
  const { data, where, file } = read ? placesOf(read.data, spec, specPath) : await loadData(spec, specPath);
  const description = read?.description ?? describeData(spec, data);
  if ('classes' in data) return prepareImages(data, description, specPath, o);
  if (read?.text) return preparedText(read.text, description, o.missing, file);
  const semi = spec.training?.pseudoLabels !== undefined && description.task === 'classification';
  return prepareTable(data, description, where, file, o, { label: spec.data.label, semi });
}

function placesOf(data: Table | ImageFolder, spec: Spec, specPath: string): { data: Table | ImageFolder; where: Where; file: string } {
  if ('classes' in data) return { data, where: (i) => data.files[i]?.path ?? data.dir, file: data.dir };
  if (spec.data.rows !== undefined) return { data, where: (i) => `${specPath}: data.rows[${i}]`, file: specPath };
  return { data, where: (i) => `${data.file}:${data.lines[i]}`, file: data.file };
}

// ---- tables -------------------------------------------------------------------------------------------

/** A feature value as a number: numbers and booleans as such, numeric text parsed, missing as NaN. */
function numericValue(v: unknown, column: string, where: string): number {
  const c = normalizeCell(v);
  if (isMissing(c)) return NaN;
  if (typeof c === 'number') return c;
  if (typeof c === 'boolean') return c ? 1 : 0;
  throw new DataError(`${where}: column "${column}" should be a number but is ${JSON.stringify(c)}`, where);
}

/** Encodes one row into `out` at `offset` without fill or normalization: missing numerics become NaN. */
function encodeRaw(features: readonly FeatureEncoding[], row: Row, out: Float32Array, offset: number, where: string): void {
  let k = offset;
  for (const f of features) {
    if (f.kind === 'numeric') {
      out[k++] = numericValue(row[f.column], f.column, where);
      continue;
    }
    const cats = f.categories ?? [];
    const c = normalizeCell(row[f.column]);
    const idx = isMissing(c) ? -1 : cats.indexOf(String(c));
    for (let j = 0; j < cats.length; j++) out[k + j] = j === idx ? 1 : 0;
    // A missing or never-seen category encodes as all zeros; NaN in the first slot marks "missing".
    if (isMissing(c)) out[k] = cats.length ? NaN : out[k];
    k += cats.length;
  }
}

export function inputSizeOf(features: readonly FeatureEncoding[]): number {
  return features.reduce((n, f) => n + (f.kind === 'onehot' ? (f.categories ?? []).length : 1), 0);
}

/**
 * Encodes one row exactly as training did: encodings, fill values, normalization. Throws a DataError
 * naming the place and the column when a value is missing (and cannot be filled) or malformed. Categories
 * never seen in training encode as all zeros; `unknown` collects them for a warning.
 */
export function encodeRow(pre: PreprocessJson, row: Row, out: Float32Array, offset: number, where: string, unknown?: string[]): void {
  encodeRaw(pre.features, row, out, offset, where);
  let k = offset;
  for (const f of pre.features) {
    if (f.kind === 'numeric') {
      if (Number.isNaN(out[k])) {
        if (pre.missing === 'mean' && f.fill !== undefined) out[k] = f.fill;
        else throw new DataError(`${where}: missing value for "${f.column}"`, where);
      }
      k++;
      continue;
    }
    const n = (f.categories ?? []).length;
    if (n && Number.isNaN(out[k])) {
      if (pre.missing === 'mean') out[k] = 0;
      else throw new DataError(`${where}: missing value for "${f.column}"`, where);
    } else if (unknown) {
      let any = false;
      for (let j = 0; j < n; j++) any ||= out[k + j] === 1;
      if (!any) unknown.push(`${where}: "${f.column}" = ${JSON.stringify(row[f.column])} was not seen in training (categories: ${(f.categories ?? []).join(', ')})`);
    }
    k += n;
  }
  normalizeInPlace(pre.normalization, out, offset, k - offset);
}

function normalizeInPlace(norm: Normalization, out: Float32Array, offset: number, size: number): void {
  if (norm.kind === 'none' || norm.a.length === 0) return;
  for (let j = 0; j < size; j++) {
    const v = out[offset + j];
    out[offset + j] = norm.kind === 'standard' ? (v - norm.a[j]) / norm.b[j] : (v - norm.a[j]) / (norm.b[j] - norm.a[j]);
  }
}

/** Statistics of each encoded input over the training rows; one-hot inputs are left as 0/1. */
export function fitNormalization(kind: Normalize, features: readonly FeatureEncoding[], raw: Float32Array, size: number, rows: readonly number[]): Normalization {
  if (kind === 'none') return { kind, a: [], b: [] };
  const numeric: boolean[] = [];
  for (const f of features) {
    if (f.kind === 'numeric') numeric.push(true);
    else for (let j = 0; j < (f.categories ?? []).length; j++) numeric.push(false);
  }
  const a = new Array<number>(size).fill(0);
  const b = new Array<number>(size).fill(1);
  for (let j = 0; j < size; j++) {
    if (!numeric[j] || rows.length === 0) continue;
    if (kind === 'standard') {
      let sum = 0;
      for (const r of rows) sum += raw[r * size + j];
      const mean = sum / rows.length;
      let sq = 0;
      for (const r of rows) sq += (raw[r * size + j] - mean) ** 2;
      const std = Math.sqrt(sq / rows.length);
      a[j] = mean;
      b[j] = std > 1e-12 ? std : 1;
    } else {
      let lo = Infinity;
      let hi = -Infinity;
      for (const r of rows) {
        const v = raw[r * size + j];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      a[j] = lo;
      b[j] = hi - lo > 1e-12 ? hi : lo + 1;
    }
  }
  return { kind, a, b };
}

function prepareTable(table: Table, d: DataDescription, where: Where, file: string, o: PrepareOptions, extra: { label?: string; semi: boolean }): PreparedData {
  const features = d.features.map((f) => ({ ...f }));
  const used = [...features.map((f) => f.column), ...d.target];
  const classification = d.task === 'classification';
  const autoencoder = d.task === 'autoencoder';
  const unlabelledRow = (row: Row) => extra.semi && d.target.some((c) => isMissing(normalizeCell(row[c])));
  const usedOf = (row: Row) => (unlabelledRow(row) ? features.map((f) => f.column) : used);
  const classIndex = new Map((d.classNames ?? []).map((c, i) => [c, i]));

  // Which rows are kept: missing values in the columns in use are dropped, refused, or filled later.
  const kept: number[] = [];
  let dropped = 0;
  for (let i = 0; i < table.rows.length; i++) {
    const row = table.rows[i];
    // With pseudo-labels a row without its target is unlabelled, not incomplete.
    const missingCol = usedOf(row).find((c) => isMissing(normalizeCell(row[c])));
    if (missingCol === undefined) {
      kept.push(i);
      continue;
    }
    if (o.missing === 'error') {
      throw new DataError(`${where(i)}: missing value in column "${missingCol}" (data.missing is "error")`, file, table.lines[i]);
    }
    // A missing target cannot be filled: the row has no answer to learn from.
    if (o.missing === 'drop' || d.target.some((c) => isMissing(normalizeCell(row[c])))) {
      dropped++;
      continue;
    }
    kept.push(i);
  }
  const n = kept.length;
  if (n === 0) {
    throw new DataError(`${file}: no rows left to train on${dropped ? ` (${dropped} dropped for missing values)` : ''}`, file);
  }
  const size = inputSizeOf(features);
  const raw = new Float32Array(n * size);
  const tcount = d.target.length;
  const y = new Float32Array(classification ? n : n * tcount);
  const expected: (string | number | number[] | undefined)[] = [];
  const inputs: Row[] = [];
  const labelled: number[] = [];
  const unlabelled: number[] = [];
  const labels: (string | undefined)[] | undefined = extra.label !== undefined ? [] : undefined;
  for (let r = 0; r < n; r++) {
    const i = kept[r];
    const row = table.rows[i];
    encodeRaw(features, row, raw, r * size, where(i));
    const input: Row = {};
    for (const f of features) input[f.column] = row[f.column];
    inputs.push(input);
    if (labels && extra.label !== undefined) {
      const l = normalizeCell(row[extra.label]);
      labels.push(isMissing(l) ? undefined : String(l));
    }
    if (autoencoder) {
      expected.push(undefined);
      labelled.push(r);
    } else if (unlabelledRow(row)) {
      y[r] = -1;
      expected.push(undefined);
      unlabelled.push(r);
    } else if (classification) {
      labelled.push(r);
      const label = String(normalizeCell(row[d.target[0]]));
      const idx = classIndex.get(label);
      if (idx === undefined) throw new DataError(`${where(i)}: unknown class ${JSON.stringify(label)}`, file, table.lines[i]);
      y[r] = idx;
      expected.push(label);
    } else {
      labelled.push(r);
      const vals = d.target.map((c) => numericValue(row[c], c, where(i)));
      vals.forEach((v, j) => (y[r * tcount + j] = v));
      expected.push(tcount === 1 ? vals[0] : vals);
    }
  }

  const split = extra.semi ? semiSupervisedSplit(labelled, unlabelled, o.validationSplit, o.shuffle, o.seed) : splitIndices(n, o.validationSplit, o.shuffle, o.seed);
  if (o.missing === 'mean') {
    let k = 0;
    for (const f of features) {
      if (f.kind === 'numeric') {
        let sum = 0;
        let count = 0;
        for (const r of split.train) {
          const v = raw[r * size + k];
          if (!Number.isNaN(v)) {
            sum += v;
            count++;
          }
        }
        f.fill = count ? sum / count : 0;
        k++;
      } else {
        k += (f.categories ?? []).length;
      }
    }
  }
  // Statistics from filled raw values, training rows only.
  const filled = new Float32Array(raw);
  fillRaw(features, filled, size, n);
  const normalization = fitNormalization(o.normalize, features, filled, size, split.train);

  const pre: PreprocessJson = {
    task: d.task,
    features,
    inputNames: d.inputNames,
    inputShape: [size],
    normalization,
    target: d.target,
    missing: o.missing,
  };
  if (d.classNames) pre.classNames = d.classNames;
  if (!classification && !autoencoder) {
    const mean: number[] = [];
    const std: number[] = [];
    for (let j = 0; j < tcount; j++) {
      let s = 0;
      for (const r of split.train) s += y[r * tcount + j];
      const m = s / Math.max(1, split.train.length);
      let q = 0;
      for (const r of split.train) q += (y[r * tcount + j] - m) ** 2;
      const sd = Math.sqrt(q / Math.max(1, split.train.length));
      mean.push(m);
      std.push(sd > 1e-12 ? sd : 1);
    }
    pre.targetScale = { mean, std };
    for (let r = 0; r < n; r++) for (let j = 0; j < tcount; j++) y[r * tcount + j] = (y[r * tcount + j] - mean[j]) / std[j];
  }

  // The final encoding goes through encodeRow, the function prediction uses: one code path for both.
  const x = new Float32Array(n * size);
  for (let r = 0; r < n; r++) encodeRow(pre, table.rows[kept[r]], x, r * size, where(kept[r]));
  const prepared: PreparedData = { pre, description: d, x, y, n, inputSize: size, split, inputs, expected, dropped, source: file };
  if (labels) prepared.labels = labels;
  if (extra.semi) prepared.unlabelled = unlabelled;
  return prepared;
}

function fillRaw(features: readonly FeatureEncoding[], raw: Float32Array, size: number, n: number): void {
  let k = 0;
  for (const f of features) {
    const width = f.kind === 'onehot' ? (f.categories ?? []).length : 1;
    for (let r = 0; r < n; r++) {
      const at = r * size + k;
      if (Number.isNaN(raw[at])) raw[at] = f.kind === 'numeric' ? (f.fill ?? 0) : 0;
    }
    k += width;
  }
}

// ---- text ---------------------------------------------------------------------------------------------

function preparedText(t: TextData, d: DataDescription, missing: Missing, file: string): PreparedData {
  const pre: PreprocessJson = {
    task: d.task,
    features: [],
    inputNames: [],
    inputShape: [t.text.maxLength],
    normalization: { kind: 'none', a: [], b: [] },
    target: d.target,
    missing,
    text: t.text,
  };
  if (t.classNames) pre.classNames = t.classNames;
  if (t.targetText) pre.targetText = t.targetText;
  return {
    pre,
    description: d,
    x: t.x,
    y: t.y,
    n: t.n,
    inputSize: t.text.maxLength,
    split: t.split,
    inputs: t.texts.map((text) => ({ [t.text.column]: text })),
    expected: t.targets,
    dropped: t.dropped,
    source: file,
  };
}

// ---- images -------------------------------------------------------------------------------------------

async function prepareImages(folder: ImageFolder, d: DataDescription, specPath: string, o: PrepareOptions): Promise<PreparedData> {
  const image = d.image;
  if (!image) throw new DataError(`${folder.dir}: an image folder needs "data.image": { "width", "height", "channels" }`, folder.dir);
  const size = image.width * image.height * image.channels;
  const n = folder.files.length;
  const x = new Uint8Array(n * size);
  const y = new Float32Array(n);
  const classIndex = new Map(folder.classes.map((c, i) => [c, i]));
  const base = path.dirname(path.resolve(specPath));
  const inputs: Row[] = [];
  const expected: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = folder.files[i];
    try {
      await readImagePixels(f.path, image, x, i * size);
    } catch (err) {
      throw new DataError((err as Error).message, f.path);
    }
    y[i] = classIndex.get(f.label) ?? 0;
    inputs.push({ file: path.relative(base, f.path).split(path.sep).join('/') });
    expected.push(f.label);
  }
  const autoencoder = d.task === 'autoencoder';
  const pre: PreprocessJson = {
    task: autoencoder ? 'autoencoder' : 'classification',
    features: [],
    inputNames: [],
    inputShape: [image.height, image.width, image.channels],
    // Pixels are already scaled to 0..1; per-pixel statistics would only make images harder to read.
    normalization: { kind: 'none', a: [], b: [] },
    target: d.target,
    image: { width: image.width, height: image.height, channels: image.channels },
  };
  // An autoencoder has no classes: the sub-folder is its label, kept aside to colour plots and score clusters.
  if (autoencoder) pre.labelNames = [...folder.classes];
  else pre.classNames = [...folder.classes];
  return {
    labels: autoencoder ? expected : undefined,
    pre,
    description: d,
    x,
    y,
    n,
    inputSize: size,
    split: splitIndices(n, o.validationSplit, o.shuffle, o.seed),
    inputs,
    expected,
    dropped: 0,
    source: folder.dir,
  };
}

// ---- prediction ---------------------------------------------------------------------------------------


/**
 * Encodes prediction inputs with a run's preprocess.json. Tables: each row's feature values. Images: each
 * row names a file (`file`, `image` or `path`, relative to `baseDir`).
 */
export async function encodeInputs(
  pre: PreprocessJson,
  rows: readonly Row[],
  baseDir: string,
  where: (i: number) => string = (i) => `input ${i + 1}`,
): Promise<{ x: Float32Array; size: number; warnings: string[] }> {
  const size = pre.inputShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(rows.length * size);
  const warnings: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    if (pre.text) {
      const v = rows[i][pre.text.column];
      if (v === undefined || v === null) throw new DataError(`${where(i)}: a text model needs "${pre.text.column}": the text to predict from`, where(i));
      const e = encodeText(pre.text, cellText(v));
      x.set(e.ids, i * size);
      if (e.unknown > 0) warnings.push(`${where(i)}: ${e.unknown} of ${Math.min(e.tokens.length, pre.text.maxLength)} tokens were not in the training vocabulary (read as unknown, id 1)`);
      if (e.cut > 0) warnings.push(`${where(i)}: the text has ${e.tokens.length} tokens; the model reads the first ${pre.text.maxLength}`);
    } else if (pre.image) {
      const f = imageFileOf(rows[i]);
      if (!f) throw new DataError(`${where(i)}: an image model needs "file": "path/to/image.png"`, where(i));
      try {
        await readImagePixels(path.resolve(baseDir, f), { width: pre.image.width, height: pre.image.height, channels: pre.image.channels as 1 | 3 | 4 }, x, i * size);
      } catch (err) {
        throw new DataError(`${where(i)}: ${(err as Error).message}`, where(i));
      }
    } else {
      encodeRow(pre, rows[i], x, i * size, where(i), warnings);
    }
  }
  return { x, size, warnings };
}

/** The model's raw output for one example, in the user's terms. */
export function decodeOutput(pre: PreprocessJson, values: ArrayLike<number>): Omit<Prediction, 'input' | 'expected'> {
  if (pre.targetText) {
    // A softmax over the target's ids at each position: the likeliest id at each, decoded up to the first padding.
    const positions = pre.targetText.maxLength;
    const ids = argmaxIds(values, positions, values.length / positions);
    const text = decodeIds(pre.targetText, ids);
    // Confidence: the probability of the whole decoded text, position by position (its end included).
    const used = Math.min(positions, Array.from(text).length + (pre.targetText.tokens === 'characters' ? 1 : 0));
    let p = 1;
    const width = values.length / positions;
    for (let k = 0; k < Math.min(positions, Math.max(used, 1)); k++) p *= values[k * width + ids[k]];
    return { output: text, confidence: p };
  }
  if (pre.task === 'classification') {
    const names = pre.classNames ?? [];
    let probs: number[];
    if (values.length === 1) {
      const p = values[0];
      probs = [1 - p, p];
    } else {
      probs = Array.from(values);
    }
    let best = 0;
    for (let j = 1; j < probs.length; j++) if (probs[j] > probs[best]) best = j;
    return { output: probs, label: names[best] ?? String(best), confidence: probs[best] };
  }
  const scale = pre.targetScale;
  const out = Array.from(values, (v, j) => (scale ? v * scale.std[j] + scale.mean[j] : v));
  return { output: out };
}
