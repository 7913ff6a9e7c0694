// The model summary of an open spec (derived input, hidden layers, derived output, parameter counts), for
// the Summary lens and the summary view. Computed from the spec and its data without TensorFlow.js, cached
// per document version, and refused with a reason when the spec has errors.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeData } from '../data/columns';
import { listImageFolder, type ImageFolder } from '../data/image-folder';
import { readTable, tableFromRows, type Table } from '../data/table';
import type { LayerSummary } from '../protocol/trainer';
import { readBaseModel } from '../format/base-model';
import { hasErrors } from '../format/problems';
import { summarizeModel } from '../format/summary';
import type { Spec } from '../format/types';
import type { ValidationResult } from '../format/validate';
import { validateText, type ValidationCache } from './validation';

export type SummaryResult = { ok: true; layers: LayerSummary[]; name: string } | { ok: false; reason: string };

/** The summary of an open spec, from the shared validation of its current version. */
export function summaryOf(doc: vscode.TextDocument, validation: ValidationCache): Promise<SummaryResult> {
  return summarize(doc.uri, validation.get(doc));
}

/** The summary of a spec text (a file not open in an editor). */
export function computeSummary(uri: vscode.Uri, text: string): Promise<SummaryResult> {
  return summarize(uri, validateText(uri, text));
}

async function summarize(uri: vscode.Uri, validated: Promise<ValidationResult>): Promise<SummaryResult> {
  const specPath = uri.fsPath;
  try {
    const { spec, problems, description, base } = await validated;
    if (!spec || hasErrors(problems)) {
      const n = problems.filter((p) => p.severity === 'error').length;
      return { ok: false, reason: `${path.basename(specPath)} has ${n} problem${n === 1 ? '' : 's'}; fix ${n === 1 ? 'it' : 'them'} to see the summary (Problems panel).` };
    }
    const layers = description ? summarizeModel(spec, description, base) : await layersOf(spec, specPath);
    return { ok: true, layers, name: spec.name ?? path.basename(specPath, '.dlmodel.json') };
  } catch (err) {
    return { ok: false, reason: `No summary for ${path.basename(specPath)}: ${(err as Error).message}` };
  }
}

async function layersOf(spec: Spec, specPath: string): Promise<LayerSummary[]> {
  const dir = path.dirname(specPath);
  let data: Table | ImageFolder;
  if (spec.data.rows) data = tableFromRows(spec.data.rows, specPath);
  else {
    const source = path.resolve(dir, spec.data.source ?? '');
    const isDir = await fs.stat(source).then((s) => s.isDirectory(), () => false);
    data = isDir ? await listImageFolder(source) : await readTable(source);
  }
  const description = describeData(spec, data);
  const base = spec.model.from ? await readBaseModel(path.resolve(dir, spec.model.from)) : undefined;
  return summarizeModel(spec, description, base);
}
