// What the data means for the network: which values go in (the derived input layer), what comes out (the
// derived output layer), and how text columns are encoded. Pure: works on an already-read table.
import type { FeatureEncoding } from '../runs/types';
import type { ImageOptions, Spec, Task } from '../format/types';
import { isImageFolder, type ImageFolder } from './image-folder';
import { DataError, isMissing, type Table } from './table';
import type { TextData } from './text-data';

export interface DataDescription {
  task: Task;
  features: FeatureEncoding[];
  /** Names of the encoded input values in model order ("garden=north" for one-hot). Empty for images. */
  inputNames: string[];
  /** [n] for tables, [height, width, channels] for images. */
  inputShape: number[];
  target: string[];
  classNames?: string[];
  image?: ImageOptions;
  /** Rows (or images) in the data set, before dropping missing values. */
  rowCount: number;
}

/** What an image folder's class is called when the spec names no target. */
export const IMAGE_TARGET = 'class';

/** At most this many distinct whole numbers in a numeric target make it a classification. */
export const MAX_INFERRED_CLASSES = 10;

export function targetColumns(spec: Spec): string[] {
  const t = spec.data.target;
  if (t === undefined) return [];
  return Array.isArray(t) ? [...t] : [t];
}

/** Columns used as features: the listed ones, or every column but the target and the ignored ones. */
export function featureColumns(spec: Spec, columns: readonly string[]): string[] {
  if (spec.data.features) return [...spec.data.features];
  const skip = new Set([...targetColumns(spec), ...(spec.data.ignore ?? [])]);
  if (spec.data.label !== undefined) skip.add(spec.data.label);
  return columns.filter((c) => !skip.has(c));
}

export function presentValues(table: Table, column: string): unknown[] {
  const out: unknown[] = [];
  for (const r of table.rows) {
    const v = r[column];
    if (!isMissing(v)) out.push(v);
  }
  return out;
}

function isNumericLike(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'boolean';
}

/** Classification for text/boolean targets and for few distinct whole numbers; regression otherwise. */
export function inferTask(values: readonly unknown[]): Task {
  if (values.some((v) => !isNumericLike(v) || typeof v === 'boolean')) return 'classification';
  const distinct = new Set(values as number[]);
  if (distinct.size <= MAX_INFERRED_CLASSES && [...distinct].every((v) => Number.isInteger(v))) return 'classification';
  return 'regression';
}

/** Sorted distinct labels: numeric order for numbers, code-unit order for text. */
export function classNamesOf(values: readonly unknown[]): string[] {
  if (values.length > 0 && values.every((v) => typeof v === 'number')) {
    return [...new Set(values as number[])].sort((a, b) => a - b).map(String);
  }
  return [...new Set(values.map(String))].sort();
}

/** Numbers are one input; text, and the columns listed in `categorical`, one-hot (numbers in numeric order). */
export function encodingOf(column: string, values: readonly unknown[], categorical = false): FeatureEncoding {
  if (!categorical && values.every(isNumericLike)) return { column, kind: 'numeric' };
  return { column, kind: 'onehot', categories: classNamesOf(values) };
}

export function inputNamesOf(features: readonly FeatureEncoding[]): string[] {
  const names: string[] = [];
  for (const f of features) {
    if (f.kind === 'onehot') for (const c of f.categories ?? []) names.push(`${f.column}=${c}`);
    else names.push(f.column);
  }
  return names;
}

/** Throws DataError when a named column does not exist; validate.ts reports that with spec ranges first. */
export function describeData(spec: Spec, data: Table | ImageFolder, text?: TextData): DataDescription {
  const target = targetColumns(spec);
  if (text && !isImageFolder(data)) {
    // The text column is the input: a sequence of maxLength token ids.
    const d: DataDescription = {
      task: spec.task ?? 'classification',
      features: [],
      inputNames: [],
      inputShape: [text.text.maxLength],
      target,
      rowCount: data.rows.length,
    };
    if (text.classNames) d.classNames = text.classNames;
    return d;
  }
  if (isImageFolder(data)) {
    const image = spec.data.image;
    if (!image) throw DataError.at(`an image folder needs "data.image": { "width", "height", "channels" }`, data.dir);
    const task = spec.task ?? 'classification';
    const d: DataDescription = {
      task,
      features: [],
      inputNames: [],
      inputShape: [image.height, image.width, image.channels],
      // The class is the sub-folder; "target" only names it. An autoencoder has none (the sub-folder is its label).
      target: task === 'autoencoder' ? [] : target.length ? target : [IMAGE_TARGET],
      image: { ...image },
      rowCount: data.files.length,
    };
    if (task !== 'autoencoder') d.classNames = [...data.classes];
    return d;
  }
  const known = new Set(data.columns);
  const label = spec.data.label !== undefined ? [spec.data.label] : [];
  for (const c of [...target, ...label, ...featureColumns(spec, data.columns)]) {
    if (!known.has(c)) throw DataError.at(`no column "${c}"; columns: ${data.columns.join(', ')}`, data.file);
  }
  const categorical = new Set(spec.data.categorical ?? []);
  const features = featureColumns(spec, data.columns).map((c) => encodingOf(c, presentValues(data, c), categorical.has(c)));
  let task: Task;
  let classNames: string[] | undefined;
  if (spec.task === 'autoencoder' || target.length === 0) {
    task = 'autoencoder';
  } else if (target.length > 1) {
    task = spec.task ?? 'regression';
  } else {
    const values = presentValues(data, target[0]);
    task = spec.task ?? (categorical.has(target[0]) ? 'classification' : inferTask(values));
    if (task === 'classification') classNames = classNamesOf(values);
  }
  const inputNames = inputNamesOf(features);
  const d: DataDescription = { task, features, inputNames, inputShape: [inputNames.length], target, rowCount: data.rows.length };
  if (classNames) d.classNames = classNames;
  return d;
}
