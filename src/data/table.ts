// Tabular data readers: CSV and TSV (RFC 4180: quoted fields, "" escapes, newlines inside quotes, BOM,
// CRLF), a JSON array of objects, JSONL. Every row remembers its source line so problems can point at it.
import { extname } from 'node:path';
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { LineIndex } from '../format/problems';
import { FileRefused, LIMITS, readRegularFile } from '../runs/safe-fs';
import { decodeText } from './encoding';
import { nestingProblem } from '../format/nesting';

export type Cell = number | string | boolean | null;

export interface Table {
  /** Set when the file was not UTF-8 but Windows-1252 (Latin-1), with the first line that showed it. */
  encoding?: { name: 'windows-1252'; line: number };
  columns: string[];
  rows: Record<string, unknown>[];
  /** 1-based source line of each row. */
  lines: number[];
  file: string;
}

/** Bad data. `message` names the file and line; `detail` says what is wrong without the place. */
export class DataError extends Error {
  readonly detail: string;

  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly column?: number,
    detail?: string,
  ) {
    super(message);
    this.name = 'DataError';
    this.detail = detail ?? message;
  }

  /** `FILE:LINE:COL: detail` */
  static at(detail: string, file: string, line?: number, column?: number): DataError {
    const where = `${file}${line !== undefined ? `:${line}` : ''}${line !== undefined && column !== undefined ? `:${column}` : ''}`;
    return new DataError(`${where}: ${detail}`, file, line, column, detail);
  }
}

export type TableFormat = 'csv' | 'tsv' | 'json' | 'jsonl';

export const TABLE_EXTENSIONS: Record<string, TableFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

export function tableFormatOf(path: string): TableFormat | undefined {
  return TABLE_EXTENSIONS[extname(path).toLowerCase()];
}

const MISSING_MARKERS: ReadonlySet<string> = new Set(['', 'NA', 'NaN', '.']);
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Missing markers become null, numeric strings numbers; everything else is kept. */
export function normalizeCell(value: unknown): unknown {
  if (typeof value === 'string') {
    const s = value.trim();
    if (MISSING_MARKERS.has(s)) return null;
    if (NUMBER_RE.test(s)) return Number(s);
    return value;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value === undefined ? null : value;
}

export function isMissing(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));
}

export async function readTable(path: string): Promise<Table> {
  const format = tableFormatOf(path);
  if (!format) {
    throw DataError.at(`unsupported data file type "${extname(path) || '(none)'}"; use .csv, .tsv, .json or .jsonl`, path);
  }
  let buf: Buffer;
  try {
    buf = await readRegularFile(path, LIMITS.table);
  } catch (e) {
    throw DataError.at(e instanceof FileRefused ? e.message : (e as Error).message, path);
  }
  const decoded = decodeText(buf, path);
  const table = parseTable(decoded.text, path, format);
  if (decoded.encoding === 'windows-1252') table.encoding = { name: 'windows-1252', line: decoded.line ?? 1 };
  return table;
}

/** A column name that plain objects cannot hold as data (it would set the row's prototype instead). */
function checkColumnName(name: string, file: string, line?: number, column?: number): void {
  if (name === '__proto__') throw DataError.at('a column named "__proto__" is not supported; rename it', file, line, column);
}

export function parseTable(text: string, file: string, format: TableFormat): Table {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  switch (format) {
    case 'csv':
      return parseDelimited(text, file, ',');
    case 'tsv':
      return parseDelimited(text, file, '\t');
    case 'json':
      return parseJsonArray(text, file);
    case 'jsonl':
      return parseJsonLines(text, file);
  }
}

/** Inline `rows` from a spec, with the spec line of each row when known. */
export function tableFromRows(rows: readonly Record<string, unknown>[], file: string, lines?: number[]): Table {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const [i, r] of rows.entries()) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        checkColumnName(k, file, lines?.[i]);
        seen.add(k);
        columns.push(k);
      }
    }
  }
  const out = rows.map((r) => {
    const row: Record<string, unknown> = {};
    for (const c of columns) row[c] = normalizeCell(r[c]);
    return row;
  });
  return { columns, rows: out, lines: lines ?? rows.map((_, i) => i + 1), file };
}

interface RawRecord {
  fields: string[];
  quoted: boolean[];
  line: number;
}

/** RFC 4180 records with the line each starts on. Blank lines are skipped. */
export function* csvRecords(text: string, file: string, delimiter: string): Generator<RawRecord> {
  const n = text.length;
  const delim = delimiter.charCodeAt(0);
  let i = 0;
  let line = 1;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    const quoted: boolean[] = [];
    let endOfRecord = false;
    while (!endOfRecord) {
      let c = text.charCodeAt(i);
      if (c === 34 /* " */) {
        const quoteLine = line;
        const quoteCol = i - lineStartBefore(text, i) + 1;
        i++;
        let value = '';
        let chunk = i;
        for (;;) {
          if (i >= n) throw DataError.at(`quoted field opened at column ${quoteCol} is never closed`, file, quoteLine, quoteCol);
          c = text.charCodeAt(i);
          if (c === 34) {
            if (text.charCodeAt(i + 1) === 34) {
              value += text.slice(chunk, i + 1);
              i += 2;
              chunk = i;
              continue;
            }
            value += text.slice(chunk, i);
            i++;
            break;
          }
          if (c === 10) line++;
          else if (c === 13 && text.charCodeAt(i + 1) !== 10) line++;
          i++;
        }
        c = text.charCodeAt(i);
        // Spaces after a closing quote are tolerated; anything else means a stray quote.
        while (c === 32 && delim !== 32) c = text.charCodeAt(++i);
        if (i < n && c !== delim && c !== 10 && c !== 13) {
          const col = i - lineStartBefore(text, i) + 1;
          throw DataError.at(`unexpected character after a closing quote at column ${col} (a quote inside a quoted field is written "")`, file, line, col);
        }
        fields.push(value);
        quoted.push(true);
      } else {
        const start = i;
        while (i < n) {
          c = text.charCodeAt(i);
          if (c === delim || c === 10 || c === 13) break;
          i++;
        }
        fields.push(text.slice(start, i));
        quoted.push(false);
      }
      if (i >= n) {
        endOfRecord = true;
      } else {
        c = text.charCodeAt(i);
        if (c === delim) {
          i++;
          if (i >= n) {
            fields.push('');
            quoted.push(false);
            endOfRecord = true;
          }
        } else {
          i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
          line++;
          endOfRecord = true;
        }
      }
    }
    const blank = fields.length === 1 && !quoted[0] && fields[0].trim() === '';
    if (!blank) yield { fields, quoted, line: startLine };
  }
}

function lineStartBefore(text: string, i: number): number {
  let j = i - 1;
  while (j >= 0) {
    const c = text.charCodeAt(j);
    if (c === 10 || c === 13) break;
    j--;
  }
  return j + 1;
}

function parseDelimited(text: string, file: string, delimiter: string): Table {
  const records = csvRecords(text, file, delimiter);
  const first = records.next();
  if (first.done) throw DataError.at(`the file is empty; a header row with column names is required`, file, 1);
  const header = first.value;
  const columns = header.fields.map((f, k) => (header.quoted[k] ? f : f.trim()));
  const seen = new Map<string, number>();
  columns.forEach((name, k) => {
    checkColumnName(name, file, header.line);
    if (name === '') throw DataError.at(`column ${k + 1} of the header has no name`, file, header.line);
    const prev = seen.get(name);
    if (prev !== undefined) {
      throw DataError.at(`column name "${name}" appears twice in the header (columns ${prev + 1} and ${k + 1})`, file, header.line);
    }
    seen.set(name, k);
  });
  const rows: Record<string, unknown>[] = [];
  const lines: number[] = [];
  for (const rec of records) {
    if (rec.fields.length !== columns.length) {
      throw DataError.at(
        `row has ${rec.fields.length} ${rec.fields.length === 1 ? 'field' : 'fields'} but the header has ${columns.length}`,
        file,
        rec.line,
      );
    }
    const row: Record<string, unknown> = {};
    for (let k = 0; k < columns.length; k++) row[columns[k]] = normalizeCell(rec.quoted[k] ? rec.fields[k] : rec.fields[k].trim());
    rows.push(row);
    lines.push(rec.line);
  }
  return { columns, rows, lines, file };
}

function jsonSyntaxError(text: string, file: string, e: ParseError, lineOffset = 0): DataError {
  const pos = new LineIndex(text).position(e.offset);
  const line = pos.line + lineOffset;
  return DataError.at(`JSON syntax error: ${printParseErrorCode(e.error)}`, file, line, pos.column);
}

function rowFromNode(node: Node, file: string, line: number, column: number): Record<string, unknown> {
  if (node.type !== 'object') {
    throw DataError.at(`each row must be an object of column values; got ${node.type}`, file, line, column);
  }
  const row: Record<string, unknown> = {};
  for (const p of node.children ?? []) {
    const [k, v] = p.children ?? [];
    if (!k || !v) continue;
    checkColumnName(String(k.value), file, line, column);
    if (v.type === 'object' || v.type === 'array') {
      throw DataError.at(`column "${String(k.value)}" holds ${v.type === 'array' ? 'a list' : 'an object'}; only numbers, strings, true/false and null are allowed`, file, line, column);
    }
    row[String(k.value)] = v.value;
  }
  return row;
}

function parseJsonArray(text: string, file: string): Table {
  const deep = nestingProblem(text, 8);
  if (deep) {
    const pos = new LineIndex(text).position(deep.offset);
    throw DataError.at(`nested too deeply: a data file is a list of flat objects, one per row`, file, pos.line, pos.column);
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length > 0) throw jsonSyntaxError(text, file, errors[0]);
  if (!root || root.type !== 'array') {
    throw DataError.at(`expected a JSON array of objects, one per row`, file, 1);
  }
  const index = new LineIndex(text);
  const raw: Record<string, unknown>[] = [];
  const lines: number[] = [];
  for (const el of root.children ?? []) {
    const { line, column } = index.position(el.offset);
    raw.push(rowFromNode(el, file, line, column));
    lines.push(line);
  }
  return tableFromRows(raw, file, lines);
}

function parseJsonLines(text: string, file: string): Table {
  const raw: Record<string, unknown>[] = [];
  const lines: number[] = [];
  const all = text.split(/\r\n|\r|\n/);
  all.forEach((lineText, k) => {
    if (lineText.trim() === '') return;
    const deep = nestingProblem(lineText, 8);
    if (deep) throw DataError.at('nested too deeply: each line is one flat object (a row)', file, k + 1, deep.offset + 1);
    const errors: ParseError[] = [];
    const node = parseTree(lineText, errors, { disallowComments: true });
    if (errors.length > 0) throw jsonSyntaxError(lineText, file, errors[0], k);
    if (!node) return;
    raw.push(rowFromNode(node, file, k + 1, node.offset + 1));
    lines.push(k + 1);
  });
  return tableFromRows(raw, file, lines);
}
