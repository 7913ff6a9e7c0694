// Readers for tabular data: a real CSV parser, JSON and JSONL, with source lines for every row.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvRecords, DataError, normalizeCell, parseTable, readTable, tableFromRows } from '../../../src/data/table';

function csv(text: string) {
  return parseTable(text, 'data.csv', 'csv');
}

function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  assert.fail('expected a DataError');
}

describe('CSV parser', () => {
  it('reads a header and rows, numbers as numbers', () => {
    const t = csv('a,b,c\n1,2.5,x\n-3,1e3,y\n');
    assert.deepEqual(t.columns, ['a', 'b', 'c']);
    assert.deepEqual(t.rows, [
      { a: 1, b: 2.5, c: 'x' },
      { a: -3, b: 1000, c: 'y' },
    ]);
    assert.deepEqual(t.lines, [2, 3]);
  });

  it('handles quoted fields with delimiters, "" escapes and newlines; lines follow the source', () => {
    const t = csv('name,note\n"Smith, J","said ""hi"""\n"multi\nline",ok\nlast,"x"\n');
    assert.deepEqual(t.rows[0], { name: 'Smith, J', note: 'said "hi"' });
    assert.deepEqual(t.rows[1], { name: 'multi\nline', note: 'ok' });
    assert.deepEqual(t.rows[2], { name: 'last', note: 'x' });
    assert.deepEqual(t.lines, [2, 3, 5]);
  });

  it('strips a BOM and accepts CRLF and lone CR line ends', () => {
    const t = csv('\uFEFFa,b\r\n1,2\r\n3,4\r5,6');
    assert.deepEqual(t.columns, ['a', 'b']);
    assert.deepEqual(t.rows.map((r) => r.a), [1, 3, 5]);
    assert.deepEqual(t.lines, [2, 3, 4]);
  });

  it('keeps CRLF inside quotes as part of the value and counts the line', () => {
    const t = csv('a,b\r\n"x\r\ny",2\r\nz,3\r\n');
    assert.equal(t.rows[0].a, 'x\r\ny');
    assert.deepEqual(t.lines, [2, 4]);
  });

  it('turns missing markers into null: empty, NA, NaN, "."', () => {
    const t = csv('a,b,c,d,e\n,NA,NaN,.,""\n');
    assert.deepEqual(t.rows[0], { a: null, b: null, c: null, d: null, e: null });
  });

  it('trims unquoted fields, keeps quoted text as written, converts quoted numbers', () => {
    const t = csv('a,b,c\n  7 , north ," spaced "\n"42",x,y\n');
    assert.deepEqual(t.rows[0], { a: 7, b: 'north', c: ' spaced ' });
    assert.equal(t.rows[1].a, 42);
  });

  it('skips blank lines, including the final newline', () => {
    const t = csv('a,b\n1,2\n\n3,4\n\n');
    assert.equal(t.rows.length, 2);
    assert.deepEqual(t.lines, [2, 4]);
  });

  it('an empty last field after a trailing delimiter counts', () => {
    const t = csv('a,b\n1,');
    assert.deepEqual(t.rows[0], { a: 1, b: null });
  });

  it('reports a ragged row with its line', () => {
    const e = dataError(() => csv('a,b,c\n1,2,3\n"multi\nline",2\n4,5\n'));
    assert.equal(e.line, 3);
    assert.equal(e.message, 'data.csv:3: row has 2 fields but the header has 3');
    assert.equal(e.detail, 'row has 2 fields but the header has 3');
  });

  it('reports a row with too many fields', () => {
    const e = dataError(() => csv('a,b\n1,2\n1,2,3\n'));
    assert.equal(e.line, 3);
    assert.match(e.message, /row has 3 fields but the header has 2/);
  });

  it('reports an unclosed quote at the line and column where it opened', () => {
    const e = dataError(() => csv('a,b\n1,2\n3,"open\n4,5\n'));
    assert.equal(e.line, 3);
    assert.equal(e.column, 3);
    assert.match(e.message, /never closed/);
  });

  it('reports text after a closing quote', () => {
    const e = dataError(() => csv('a,b\n"x"y,2\n'));
    assert.equal(e.line, 2);
    assert.equal(e.column, 4);
    assert.match(e.message, /after a closing quote/);
  });

  it('requires a header, with unique, non-empty names', () => {
    assert.match(dataError(() => csv('')).message, /header row/);
    assert.match(dataError(() => csv('a,a\n1,2')).message, /"a" appears twice/);
    assert.match(dataError(() => csv('a,,c\n1,2,3')).message, /column 2 of the header has no name/);
  });

  it('parses TSV with tabs, commas staying inside values', () => {
    const t = parseTable('x\ty\n1,5\thello, world\n', 'd.tsv', 'tsv');
    assert.deepEqual(t.rows[0], { x: '1,5', y: 'hello, world' });
  });

  it('yields raw records with their first line', () => {
    const recs = [...csvRecords('a,"b\nc"\nd,e\n', 'f.csv', ',')];
    assert.deepEqual(recs.map((r) => [r.line, r.fields]), [
      [1, ['a', 'b\nc']],
      [3, ['d', 'e']],
    ]);
  });
});

describe('JSON and JSONL readers', () => {
  it('reads a JSON array of objects with the line of each row, keys in first-seen order', () => {
    const t = parseTable('[\n  {"a": 1, "b": "x"},\n  {"b": "NA", "c": true}\n]', 'd.json', 'json');
    assert.deepEqual(t.columns, ['a', 'b', 'c']);
    assert.deepEqual(t.rows, [
      { a: 1, b: 'x', c: null },
      { a: null, b: null, c: true },
    ]);
    assert.deepEqual(t.lines, [2, 3]);
  });

  it('reports JSON syntax errors with line and column', () => {
    const e = dataError(() => parseTable('[\n  {"a": 1},\n  {"a" 2}\n]', 'd.json', 'json'));
    assert.equal(e.line, 3);
    assert.equal(e.column, 8);
    assert.match(e.message, /^d\.json:3:8: JSON syntax error/);
  });

  it('rejects a JSON file that is not an array, and rows that are not objects', () => {
    assert.match(dataError(() => parseTable('{"a": 1}', 'd.json', 'json')).message, /array of objects/);
    const e = dataError(() => parseTable('[{"a":1},\n 5]', 'd.json', 'json'));
    assert.equal(e.line, 2);
    assert.match(e.message, /must be an object/);
  });

  it('reads JSONL with line numbers, skipping blank lines', () => {
    const t = parseTable('{"a": 1}\n\n{"a": "2.5"}\r\n{"a": null}\n', 'd.jsonl', 'jsonl');
    assert.deepEqual(t.rows.map((r) => r.a), [1, 2.5, null]);
    assert.deepEqual(t.lines, [1, 3, 4]);
  });

  it('reports the JSONL line of a broken record', () => {
    const e = dataError(() => parseTable('{"a": 1}\n{"a": }\n', 'd.jsonl', 'jsonl'));
    assert.equal(e.line, 2);
    assert.match(e.message, /^d\.jsonl:2:\d+: JSON syntax error/);
  });

  it('rejects nested values in a row', () => {
    assert.match(dataError(() => parseTable('{"a": [1, 2]}', 'd.jsonl', 'jsonl')).message, /holds a list/);
  });
});

describe('readTable and inline rows', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dlmodel-table-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('picks the reader from the extension', async () => {
    writeFileSync(join(dir, 'a.csv'), 'x,y\n1,2\n');
    writeFileSync(join(dir, 'a.tsv'), 'x\ty\n1\t2\n');
    writeFileSync(join(dir, 'a.json'), '[{"x":1,"y":2}]');
    writeFileSync(join(dir, 'a.jsonl'), '{"x":1,"y":2}\n');
    for (const f of ['a.csv', 'a.tsv', 'a.json', 'a.jsonl']) {
      const t = await readTable(join(dir, f));
      assert.deepEqual(t.rows, [{ x: 1, y: 2 }], f);
      assert.equal(t.file, join(dir, f));
    }
  });

  it('refuses unknown extensions and missing files with DataErrors', async () => {
    await assert.rejects(readTable(join(dir, 'a.xlsx')), (e: unknown) => e instanceof DataError && /unsupported data file type ".xlsx"/.test(e.message));
    await assert.rejects(readTable(join(dir, 'none.csv')), (e: unknown) => e instanceof DataError && /file not found/.test(e.message));
  });

  it('normalizes inline rows the same way', () => {
    const t = tableFromRows([{ a: '3', b: 'NA' }, { a: 4, c: 'x' }], 'spec.dlmodel.json', [5, 6]);
    assert.deepEqual(t.columns, ['a', 'b', 'c']);
    assert.deepEqual(t.rows, [
      { a: 3, b: null, c: null },
      { a: 4, b: null, c: 'x' },
    ]);
    assert.deepEqual(t.lines, [5, 6]);
  });

  it('normalizeCell keeps text and booleans, drops non-finite numbers', () => {
    assert.equal(normalizeCell('north'), 'north');
    assert.equal(normalizeCell(true), true);
    assert.equal(normalizeCell(Number.NaN), null);
    assert.equal(normalizeCell('1e-3'), 0.001);
    assert.equal(normalizeCell('1.2.3'), '1.2.3');
  });
});
