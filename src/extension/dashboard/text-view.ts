// "Text as numbers" for the dashboard: a validation row's tokens and ids under the run's vocabulary (or one
// fitted on the spec's training split when there is no run), the vocabulary's size, its coverage of the
// validation texts, and how many texts were cut at maxLength. No vscode, no file reading: the panel hands
// in the texts validation read and the encoding to use.
import type { TextAsNumbersView } from '../../protocol/webview';
import { coverage, idCount, textAsNumbers, tokenize, type TextEncoding } from '../../data/text';

export interface TextRows {
  /** Every kept row's text, in data order. */
  texts: readonly string[];
  /** Data file line of each kept row (undefined for inline rows). */
  lines: readonly (number | undefined)[];
  /** Kept-row indices of the validation rows, in the order predictions.json lists them. */
  validation: readonly number[];
}

/** Validation rows offered in the chooser (the "tokens" links of the predictions reach every row). */
export const TEXT_CHOICES = 200;
const PREVIEW_CHARS = 70;

function preview(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > PREVIEW_CHARS ? `${one.slice(0, PREVIEW_CHARS - 1)}…` : one;
}

/** The facts that do not depend on the chosen row (tokenizing every text once). */
export function textSummary(enc: TextEncoding, rows: TextRows, from: string): TextAsNumbersView {
  let cut = 0;
  for (const t of rows.texts) if (tokenize(t, enc.tokens, enc.lowercase).length > enc.maxLength) cut++;
  const cov = coverage(enc, rows.validation.map((r) => rows.texts[r]));
  const view: TextAsNumbersView = {
    from,
    column: enc.column,
    tokens: enc.tokens,
    lowercase: enc.lowercase,
    maxLength: enc.maxLength,
    vocabularySize: idCount(enc),
    validationTexts: rows.validation.length,
    cut,
    texts: rows.texts.length,
    choices: rows.validation.slice(0, TEXT_CHOICES).map((r, row) => ({ row, line: rows.lines[r], preview: preview(rows.texts[r]) })),
  };
  if (Number.isFinite(cov)) view.coverage = cov;
  return view;
}

/** The summary with validation row `row` shown; a row out of range shows nothing. */
export function withShownRow(view: TextAsNumbersView, enc: TextEncoding, rows: TextRows, row: number): TextAsNumbersView {
  const r = rows.validation[row];
  if (r === undefined) return { ...view, shown: undefined };
  const text = rows.texts[r];
  const t = textAsNumbers(enc, text);
  return { ...view, shown: { row, line: rows.lines[r], text, cells: t.cells, cut: t.cut, unknown: t.unknown } };
}
