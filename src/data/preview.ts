// "What the network sees": the first rows of a table as read, beside the input vector each becomes (one-hot
// columns named, normalized values, exactly as training encodes them: encodeRow), and the rows dropped and
// why. The counterpart, for tables, of an image's pixel matrix.
import type { PreprocessJson } from '../runs/types';
import { encodeRow, inputSizeOf } from './preprocess';
import { isMissing, normalizeCell, type Table } from './table';

export interface PreviewRow {
  /** 1-based line in the data file (or the spec, for inline rows). */
  line: number;
  /** The used columns' cells as read, in `columns` order. */
  values: unknown[];
  /** The encoded, normalized input vector, in `inputNames` order; absent for a dropped row. */
  input?: number[];
  /** Why training leaves this row out. */
  dropped?: string;
}

export interface DataPreview {
  columns: string[];
  target: string[];
  inputNames: string[];
  rows: PreviewRow[];
  /** Rows of the whole table training leaves out, per reason. */
  dropped: { reason: string; count: number; firstLine: number }[];
  total: number;
}

export const PREVIEW_ROWS = 8;

export function previewTable(table: Table, pre: PreprocessJson, n = PREVIEW_ROWS): DataPreview {
  const features = pre.features.map((f) => f.column);
  const columns = [...features, ...pre.target];
  const size = inputSizeOf(pre.features);
  const why = (i: number): string | undefined => {
    const row = table.rows[i];
    const gapTarget = pre.target.find((c) => isMissing(normalizeCell(row[c])));
    if (gapTarget) return `no value for the target "${gapTarget}"`;
    if ((pre.missing ?? 'drop') === 'drop') {
      const gap = features.find((c) => isMissing(normalizeCell(row[c])));
      if (gap) return `missing "${gap}" (data.missing is "drop")`;
    }
    return undefined;
  };
  const reasons = new Map<string, { count: number; firstLine: number }>();
  const rows: PreviewRow[] = [];
  table.rows.forEach((row, i) => {
    let dropped = why(i);
    let input: number[] | undefined;
    if (!dropped && rows.length < n) {
      const out = new Float32Array(size);
      try {
        encodeRow(pre, row, out, 0, `line ${table.lines[i]}`);
        input = Array.from(out);
      } catch (err) {
        dropped = (err as Error).message;
      }
    }
    if (dropped) {
      const key = dropped.replace(/^line \d+: /, '');
      const r = reasons.get(key) ?? { count: 0, firstLine: table.lines[i] };
      r.count++;
      reasons.set(key, r);
    }
    if (rows.length < n) rows.push({ line: table.lines[i], values: columns.map((c) => row[c] ?? null), input, dropped });
  });
  return {
    columns,
    target: [...pre.target],
    inputNames: [...pre.inputNames],
    rows,
    dropped: [...reasons].map(([reason, r]) => ({ reason, ...r })),
    total: table.rows.length,
  };
}
