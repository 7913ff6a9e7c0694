// The model summary of an open spec (derived input, hidden layers, derived output, parameter counts), for
// the Summary lens and the summary view. Computed from the spec and its data without TensorFlow.js, cached
// per document version, and refused with a reason when the spec has errors.
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { ParamCounts } from '../common/params';
import type { LayerSummary } from '../protocol/trainer';
import { hasErrors } from '../format/problems';
import { summarizePlan } from '../format/summary';
import type { ValidationResult } from '../format/validate';
import { validateText, type ValidationCache } from './validation';

export type SummaryResult = { ok: true; layers: LayerSummary[]; name: string; params: ParamCounts } | { ok: false; reason: string };

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
    const { spec, problems, description, plan } = await validated;
    if (!spec || hasErrors(problems)) {
      const n = problems.filter((p) => p.severity === 'error').length;
      return { ok: false, reason: `${path.basename(specPath)} has ${n} problem${n === 1 ? '' : 's'}; fix ${n === 1 ? 'it' : 'them'} to see the summary (Problems panel).` };
    }
    if (!plan || !description) return { ok: false, reason: `No summary for ${path.basename(specPath)}: its data could not be read.` };
    return { ok: true, layers: summarizePlan(plan, description), name: plan.name, params: plan.params };
  } catch (err) {
    return { ok: false, reason: `No summary for ${path.basename(specPath)}: ${(err as Error).message}` };
  }
}
