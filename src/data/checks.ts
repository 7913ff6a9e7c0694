// Data checks before training: mistakes in the data that make training wrong (errors) or weak (warnings),
// each with where it is and what to do. Pure: works on a table already read and the spec; validate.ts puts
// each finding on the spec's line (and the data file's line where there is one).
import type { Spec, Task } from '../format/types';
import { splitIndices } from './split';
import { isMissing, normalizeCell, type Table } from './table';

/** Where a finding belongs in the spec. */
export type CheckPlace =
  | { kind: 'feature'; column: string }
  | { kind: 'target' }
  | { kind: 'categorical'; index: number }
  | { kind: 'validationSplit' };

export interface DataFinding {
  severity: 'error' | 'warning';
  place: CheckPlace;
  message: string;
  /** A row of the data file it points at (0-based index into table.rows). */
  row?: number;
}

export interface CheckOptions {
  features: readonly string[];
  targets: readonly string[];
  task?: Task;
  validationSplit: number;
  shuffle: boolean;
  missing: 'drop' | 'mean' | 'error';
  /** The spec's seed: with it the split is known, and so is what lands in validation. */
  seed?: number;
}

/** A class with a share of the rows below this, next to the largest, is "strongly" imbalanced. */
const IMBALANCE_SHARE = 0.8;
/** ... or the rarest class has fewer rows than this share of the largest. */
const RARE_RATIO = 0.05;
const MIN_ROWS_FOR_ID = 10;
/** Fewer rows than this make a perfect predictor likely by chance. */
const MIN_ROWS_FOR_STATS = 20;
/** Whole numbers counting the rows are an id only under an id's name: x = 0, 1, 2, ... can be a real input. */
const ID_NAME = /(^|[_\s-])(id|ids|index|idx|row|no|number|nr)$|^(id|index|row)/i;

export function categoricalColumns(spec: Spec): Set<string> {
  return new Set(spec.data.categorical ?? []);
}

/** The mixed-column rule: more than half of the used cells are numbers and some are not. */
export function firstNonNumber(table: Table, column: string): { row: number; value: unknown } | undefined {
  let numbers = 0;
  let present = 0;
  let first: { row: number; value: unknown } | undefined;
  table.rows.forEach((r, i) => {
    const v = normalizeCell(r[column]);
    if (isMissing(v)) return;
    present++;
    if (typeof v === 'number') numbers++;
    else if (!first && typeof v !== 'boolean') first = { row: i, value: v };
  });
  return first && numbers * 2 > present ? first : undefined;
}

function keyOf(v: unknown): string {
  return typeof v === 'number' ? `n:${v}` : `s:${String(v)}`;
}

export function checkData(table: Table, spec: Spec, o: CheckOptions): DataFinding[] {
  const out: DataFinding[] = [];
  const file = table.file;
  const where = (i: number) => `line ${table.lines[i]} of ${baseName(file)}`;
  const categorical = categoricalColumns(spec);
  const used = [...o.features, ...o.targets];

  // ---- categorical: names that exist ----
  (spec.data.categorical ?? []).forEach((c, index) => {
    if (!table.columns.includes(c)) out.push({ severity: 'error', place: { kind: 'categorical', index }, message: `no column "${c}" in the data (columns: ${table.columns.join(', ')})` });
    else if (!used.includes(c)) out.push({ severity: 'warning', place: { kind: 'categorical', index }, message: `"${c}" is neither a feature nor the target, so listing it in "categorical" changes nothing` });
    else if (o.targets.includes(c) && o.task === 'regression') {
      out.push({ severity: 'error', place: { kind: 'categorical', index }, message: `"${c}" is the target of a regression; a categorical target makes a classification (remove "task": "regression" or this entry)` });
    }
  });

  // ---- the mixed-column rule ----
  for (const c of used) {
    if (categorical.has(c)) continue;
    const bad = firstNonNumber(table, c);
    if (!bad) continue;
    const place: CheckPlace = o.targets.includes(c) ? { kind: 'target' } : { kind: 'feature', column: c };
    out.push({
      severity: 'error',
      place,
      row: bad.row,
      message:
        `column "${c}" holds numbers, but ${where(bad.row)} has ${JSON.stringify(bad.value)}: most often a typo. ` +
        `Fix the value, blank it (a missing value), or list "${c}" in "categorical" if its values are categories`,
    });
  }
  if (out.some((f) => f.severity === 'error')) return out;

  // Rows training keeps (missing values dropped as the trainer does), in order.
  const kept: number[] = [];
  table.rows.forEach((r, i) => {
    const gap = o.missing === 'drop' ? used.some((c) => isMissing(normalizeCell(r[c]))) : o.targets.some((c) => isMissing(normalizeCell(r[c])));
    if (!gap) kept.push(i);
  });
  if (kept.length === 0) return out;
  const value = (i: number, c: string) => normalizeCell(table.rows[i][c]);

  // ---- features: constant, an id, the target under another name, a perfect predictor ----
  const target = o.targets.length === 1 ? o.targets[0] : undefined;
  for (const c of o.features) {
    const present = kept.filter((i) => !isMissing(value(i, c)));
    if (present.length === 0) continue;
    const distinct = new Map<string, number>();
    for (const i of present) distinct.set(keyOf(value(i, c)), (distinct.get(keyOf(value(i, c))) ?? 0) + 1);
    const place: CheckPlace = { kind: 'feature', column: c };
    if (distinct.size === 1 && present.length > 1) {
      out.push({ severity: 'warning', place, message: `column "${c}" has the same value (${JSON.stringify(value(present[0], c))}) in every row: it cannot tell rows apart, so it cannot help. Add it to "ignore"` });
      continue;
    }
    const texty = categorical.has(c) || present.some((i) => typeof value(i, c) === 'string');
    if (present.length >= MIN_ROWS_FOR_ID && distinct.size === present.length && (texty || (ID_NAME.test(c) && isRowNumber(present.map((i) => value(i, c)))))) {
      out.push({
        severity: 'warning',
        place,
        message: `column "${c}" has a different value in each of the ${present.length} rows: an id, which says nothing about a new row${texty ? ` (one-hot, it would make ${present.length} inputs)` : ''}. Add it to "ignore"`,
      });
      continue;
    }
    if (!target) continue;
    if (present.every((i) => keyOf(value(i, c)) === keyOf(value(i, target)) || String(value(i, c)) === String(value(i, target)))) {
      out.push({ severity: 'error', place, message: `column "${c}" equals the target "${target}" in every row: the answer is among the inputs (a leak), so the network would learn nothing real. Add "${c}" to "ignore"` });
      continue;
    }
    if (o.task === 'classification' && texty && present.length >= MIN_ROWS_FOR_STATS && distinct.size * 2 <= present.length) {
      const classOf = new Map<string, string>();
      let pure = true;
      for (const i of present) {
        const k = keyOf(value(i, c));
        const t = String(value(i, target));
        if (classOf.has(k) && classOf.get(k) !== t) {
          pure = false;
          break;
        }
        classOf.set(k, t);
      }
      if (pure) {
        out.push({
          severity: 'warning',
          place,
          message: `each of the ${distinct.size} values of column "${c}" goes with exactly one class of "${target}": it predicts the target perfectly. If it is recorded after the fact (a leak), add it to "ignore"; a new row will not have it`,
        });
      }
    }
  }

  // ---- rows in both training and validation ----
  if (o.validationSplit > 0) {
    const groups = new Map<string, number[]>();
    kept.forEach((i, k) => {
      // Copies in every column of the file: rows that agree only on the used columns (two days of the same
      // weather) are different rows.
      const key = JSON.stringify(table.columns.map((c) => keyOf(value(i, c))));
      const g = groups.get(key);
      if (g) g.push(k);
      else groups.set(key, [k]);
    });
    const copies = [...groups.values()].filter((g) => g.length > 1);
    if (copies.length) {
      const first = copies[0];
      const lines = `lines ${table.lines[kept[first[0]]]} and ${table.lines[kept[first[1]]]} of ${baseName(file)}`;
      let straddle: number | undefined;
      if (o.seed !== undefined || !o.shuffle) {
        const split = splitIndices(kept.length, o.validationSplit, o.shuffle, o.seed ?? 0);
        const inVal = new Set(split.validation);
        straddle = 0;
        for (const g of copies) if (g.some((k) => inVal.has(k)) && g.some((k) => !inVal.has(k))) straddle += g.filter((k) => inVal.has(k)).length;
      }
      const extra = copies.reduce((s, g) => s + g.length - 1, 0);
      if (straddle !== 0) {
        out.push({
          severity: 'warning',
          place: { kind: 'validationSplit' },
          row: kept[first[1]],
          message:
            `${extra} rows are exact copies of other rows (first: ${lines})` +
            (straddle !== undefined ? `, and ${straddle} validation rows also appear in training` : ', so some will be in both training and validation') +
            `: the network is scored on rows it learned, and the validation score looks better than it is. Remove the duplicates`,
        });
      }
    }
  }

  // ---- classes: too small for validation, strongly imbalanced ----
  if (o.task === 'classification' && target) {
    const counts = new Map<string, number>();
    for (const i of kept) counts.set(String(value(i, target)), (counts.get(String(value(i, target))) ?? 0) + 1);
    const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    const total = kept.length;
    // A toy data set of a few rows is not nagged: its validation split is a handful of rows anyway.
    if (o.validationSplit > 0 && total * o.validationSplit >= 5 && sorted.length >= 2) {
      // With a seed (or no shuffling) the split is known: count each class's rows that land in validation.
      const known = o.seed !== undefined || !o.shuffle;
      const inVal = new Map<string, number>();
      if (known) {
        for (const k of splitIndices(kept.length, o.validationSplit, o.shuffle, o.seed ?? 0).validation) {
          const cls = String(value(kept[k], target));
          inVal.set(cls, (inVal.get(cls) ?? 0) + 1);
        }
      }
      for (const [cls, n] of sorted) {
        const rows = `class "${cls}" has ${known ? '' : 'only '}${n} row${n === 1 ? '' : 's'}`;
        let why: string | undefined;
        if (known) why = (inVal.get(cls) ?? 0) === 0 ? `${rows}, and with this seed none of them is in validation` : undefined;
        else why = n * o.validationSplit < 1 ? `${rows}: with validationSplit ${o.validationSplit} it will most likely not appear in validation` : undefined;
        if (!why) continue;
        out.push({
          severity: 'warning',
          place: { kind: 'target' },
          message: `${why}, so nobody checks the network learned it. Collect more rows of it, or merge it with a similar class`,
        });
      }
    }
    const [top, topN] = sorted[0];
    const [rare, rareN] = sorted[sorted.length - 1];
    if (sorted.length >= 2 && topN / total >= IMBALANCE_SHARE) {
      out.push({
        severity: 'warning',
        place: { kind: 'target' },
        message:
          `the classes are strongly imbalanced: "${top}" is ${pct(topN / total)} of the rows, "${rare}" only ${rareN}. Always answering "${top}" already scores ${pct(topN / total)} accuracy, ` +
          `so judge the network against that baseline (and its confusion matrix), not against 0%; more rows of the rare class help most`,
      });
    } else if (sorted.length >= 2 && rareN < topN * RARE_RATIO) {
      out.push({
        severity: 'warning',
        place: { kind: 'target' },
        message:
          `the classes are strongly imbalanced: "${rare}" has ${rareN} rows, ${pct(rareN / topN)} as many as "${top}" (${topN}). ` +
          `A network can ignore so rare a class and lose almost nothing, so check its row in the confusion matrix; more rows of it help most`,
      });
    }
  }
  return out;
}

/** Whole numbers that count the rows (1, 2, 3, ... in any order): a row number, not a measurement. */
function isRowNumber(values: readonly unknown[]): boolean {
  if (!values.every((v) => typeof v === 'number' && Number.isInteger(v))) return false;
  const nums = values as number[];
  const lo = Math.min(...nums);
  return Math.max(...nums) - lo === nums.length - 1;
}

function pct(v: number): string {
  return `${Number((v * 100).toFixed(1))}%`;
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
