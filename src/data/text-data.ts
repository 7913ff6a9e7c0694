// A table with a text column prepared for training: the text tokenized and padded into token ids, the
// vocabulary fitted on the training split only; the target either a class or (sequence task) a second
// text with its own vocabulary. No Node, no TensorFlow.js: the rows come already read.
import type { Spec } from '../format/types';
import { splitIndices, type Split } from './split';
import { DataError, isMissing, normalizeCell, type Table } from './table';
import { coverage, encodeTexts, fitText, type TextEncoding, type TextSettings } from './text';

/** The text column and how it and (sequence task) the target are tokenized; undefined without `data.text`. */
export interface TextSetup {
  column: string;
  settings: TextSettings;
  targetText?: TextSettings;
}

/** The one place the text options' defaults are filled in: words, lowercase. */
export function textSetupOf(spec: Spec): TextSetup | undefined {
  const t = spec.data.text;
  if (t === undefined) return undefined;
  const o = typeof t === 'string' ? { column: t } : t;
  const settingsOf = (x: { tokens?: 'words' | 'characters'; lowercase?: boolean; maxLength?: number; vocabularySize?: number }): TextSettings => {
    const s: TextSettings = { tokens: x.tokens ?? 'words', lowercase: x.lowercase ?? true };
    if (x.maxLength !== undefined) s.maxLength = x.maxLength;
    if (x.vocabularySize !== undefined) s.vocabularySize = x.vocabularySize;
    return s;
  };
  const setup: TextSetup = { column: o.column ?? '', settings: settingsOf(o) };
  if (spec.task === 'sequence') setup.targetText = settingsOf(spec.data.targetText ?? {});
  return setup;
}

export interface TextDataOptions {
  column: string;
  settings: TextSettings;
  target: string;
  /** A sequence task's target text; absent: the target is a class. */
  targetText?: TextSettings;
  validationSplit: number;
  shuffle: boolean;
  seed: number;
  /** "error": a row without its target is an error; otherwise it is dropped. */
  missing: 'drop' | 'mean' | 'error';
}

export interface TextData {
  text: TextEncoding;
  targetText?: TextEncoding;
  classNames?: string[];
  /** n x maxLength token ids. */
  x: Float32Array;
  /** Class index per row, or n x target maxLength token ids. */
  y: Float32Array;
  n: number;
  split: Split;
  /** Table row index of each kept row. */
  kept: number[];
  texts: string[];
  targets: string[];
  /** Rows dropped for a missing target; texts that were empty (encoded as padding only). */
  dropped: number;
  empty: number;
  /** Texts (all rows) longer than maxLength, whose end was cut; and target texts cut. */
  cut: number;
  targetCut: number;
  /** Share of the validation texts' tokens that are in the vocabulary (NaN without validation rows). */
  coverage: number;
}

/** A cell of a text column as text: missing cells are empty texts, numbers are written as numbers are. */
export function cellText(v: unknown): string {
  const c = normalizeCell(v);
  if (isMissing(c)) return '';
  return typeof v === 'string' ? v : String(c);
}

/**
 * A column meant as text must hold text: when most of its used cells are numbers, the column is most
 * likely the wrong one. Names the file, the line of the first number and the share.
 */
export function checkTextColumn(table: Table, column: string, role = 'data.text'): void {
  if (!table.columns.includes(column)) {
    throw DataError.at(`${role}: no column "${column}"; columns: ${table.columns.join(', ')}`, table.file);
  }
  let numbers = 0;
  let used = 0;
  let first = -1;
  table.rows.forEach((r, i) => {
    const c = normalizeCell(r[column]);
    if (isMissing(c)) return;
    used++;
    if (typeof c === 'number' || typeof c === 'boolean') {
      numbers++;
      if (first < 0) first = i;
    }
  });
  if (used > 0 && numbers * 2 > used) {
    throw DataError.at(
      `${role}: column "${column}" is not text: ${numbers} of its ${used} values are numbers (the first is ${JSON.stringify(table.rows[first][column])}); name a column of text, or use it as a feature without "text"`,
      table.file,
      table.lines[first],
    );
  }
}

export function prepareTextData(table: Table, o: TextDataOptions): TextData {
  checkTextColumn(table, o.column);
  if (!table.columns.includes(o.target)) {
    throw DataError.at(`data.target: no column "${o.target}"; columns: ${table.columns.join(', ')}`, table.file);
  }
  const kept: number[] = [];
  let dropped = 0;
  table.rows.forEach((row, i) => {
    if (!isMissing(normalizeCell(row[o.target]))) {
      kept.push(i);
      return;
    }
    if (o.missing === 'error') {
      throw DataError.at(`missing value in column "${o.target}" (data.missing is "error")`, table.file, table.lines[i]);
    }
    dropped++;
  });
  const n = kept.length;
  if (n === 0) throw DataError.at(`no rows left to train on${dropped ? ` (${dropped} without a "${o.target}")` : ''}`, table.file);
  const texts = kept.map((i) => cellText(table.rows[i][o.column]));
  const targets = kept.map((i) => cellText(table.rows[i][o.target]));
  const split = splitIndices(n, o.validationSplit, o.shuffle, o.seed);
  const text = fitText(o.column, split.train.map((r) => texts[r]), o.settings);
  const { ids: x, cut } = encodeTexts(text, texts);
  const out: TextData = {
    text,
    x,
    y: new Float32Array(0),
    n,
    split,
    kept,
    texts,
    targets,
    dropped,
    empty: texts.filter((t) => t.trim() === '').length,
    cut,
    targetCut: 0,
    coverage: coverage(text, split.validation.map((r) => texts[r])),
  };
  if (o.targetText) {
    const targetText = fitText(o.target, split.train.map((r) => targets[r]), o.targetText, 'longest');
    const enc = encodeTexts(targetText, targets);
    out.targetText = targetText;
    out.y = enc.ids;
    out.targetCut = enc.cut;
  } else {
    const classNames = [...new Set(targets)].sort();
    const index = new Map(classNames.map((c, k) => [c, k]));
    out.classNames = classNames;
    out.y = Float32Array.from(targets, (t) => index.get(t)!);
  }
  return out;
}
