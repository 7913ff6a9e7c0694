// `dlmodel summary FILE [--json]`: the network as a Keras-like table, derived input and output layers
// included, with the learnable-parameter count of each layer and how it is computed.
import type { PlanText } from '../format/plan';
import { EXIT } from '../protocol/trainer';
import type { LayerSummary } from '../protocol/trainer';
import type { DataDescription } from '../data/columns';
import { countParams, summarizePlan } from '../format/summary';
import { validateSpecFile } from '../format/validate';
import { booleanFlag, parseArgs } from './args';
import { printProblems } from './validate';

export const SUMMARY_USAGE = 'dlmodel summary FILE [--json]';

const n = (x: number): string => x.toLocaleString('en-US');

export function shapeLabel(shape: readonly (number | null)[]): string {
  return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
}

function layerLabel(l: LayerSummary): string {
  if (l.derived === 'input') return 'input (derived)';
  const kind = l.activation && l.activation !== 'linear' ? `${l.type}, ${l.activation}` : l.activation === 'linear' && l.derived ? `${l.type}, linear` : l.type;
  const frozen = l.trainable ? '' : ' frozen';
  return `${l.name} (${kind})${frozen}${l.derived === 'output' ? ' (derived)' : ''}${l.code ? ' <- code' : ''}`;
}

/** The table as lines of text. */
export function formatSummary(name: string, layers: readonly LayerSummary[], description: DataDescription, text?: { input?: PlanText; target?: PlanText }): string[] {
  const header = ['Layer (type)', 'Output shape', 'Params', 'Formula'];
  const rows = layers.map((l) => [layerLabel(l), shapeLabel(l.outputShape), n(l.params), l.formula ?? '']);
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, k) => (k === 2 ? c.padStart(widths[k]) : c.padEnd(widths[k])))
      .join('   ')
      .trimEnd();
  const rule = '='.repeat(widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1));
  const totals = countParams(layers);
  const task =
    description.task === 'classification' ? `classification, ${description.classNames?.length ?? 0} classes` : description.task;
  const tokensOf = (t: PlanText) => `${t.maxLength} ${t.tokens === 'words' ? 'word' : 'character'} ids of "${t.column}" (${t.ids} ids: 0 padding, 1 unknown, ${t.ids - 2} known tokens)`;
  const out = [`Model: "${name}" (${task})`, rule, line(header), rule.replace(/=/g, '-')];
  for (const r of rows) out.push(line(r));
  out.push(rule);
  out.push(`Total params: ${n(totals.total)}`);
  out.push(`Trainable params: ${n(totals.trainable)}`);
  out.push(`Non-trainable params: ${n(totals.nonTrainable)}`);
  const input = layers[0];
  const output = layers[layers.length - 1];
  out.push('');
  if (text?.input) {
    out.push(`Input layer (from the data): ${tokensOf(text.input)}`);
  } else if (description.inputShape.length === 3) {
    out.push(`Input layer (from the data): ${input.labels?.[0] ?? shapeLabel(input.outputShape)}`);
  } else {
    const count = description.inputShape[0];
    out.push(`Input layer (from the data): ${count} ${count === 1 ? 'value' : 'values'}: ${description.inputNames.join(', ')}`);
  }
  const units = output.units ?? 0;
  if (description.task === 'autoencoder') {
    const code = layers.find((l) => l.code);
    const values = output.outputShape.slice(1).reduce((a: number, b) => a * (b ?? 1), 1);
    out.push(`Output layer (from the input): ${values} ${output.activation ?? 'linear'} values, the input reconstructed`);
    if (code) out.push(`Code layer (the narrowest): ${code.name}, ${shapeLabel(code.outputShape)}`);
    return out;
  }
  if (text?.target) {
    out.push(`Output layer (from the target): at each of ${text.target.maxLength} positions, a softmax over ${units} target ids (${text.target.tokens} of "${description.target[0]}")`);
    return out;
  }
  const what =
    description.task === 'classification'
      ? units === 1
        ? `probability of ${output.labels?.[0] ?? 'the second class'}`
        : `one per class: ${(output.labels ?? []).join(', ')}`
      : `predicts ${description.target.join(', ')}`;
  out.push(`Output layer (from the target): ${units} ${output.activation ?? 'linear'} ${units === 1 ? 'unit' : 'units'}, ${what}`);
  return out;
}

export async function summaryCommand(args: string[]): Promise<number> {
  const a = parseArgs(args, { json: 'boolean' }, { names: ['FILE'] });
  const file = a.positional[0];
  const result = await validateSpecFile(file, undefined, { trusted: true });
  const errors = result.problems.filter((p) => p.severity === 'error');
  printProblems(file, result.problems, (l) => process.stderr.write(l + '\n'));
  if (errors.length > 0 || !result.spec || !result.description || !result.plan) {
    if (errors.length === 0) process.stderr.write(`${file}: cannot summarize: the data could not be described\n`);
    return EXIT.invalid;
  }
  const layers = summarizePlan(result.plan, result.description);
  const name = result.plan.name;
  if (booleanFlag(a, 'json')) {
    process.stdout.write(JSON.stringify({ name, layers, params: result.plan.params }) + '\n');
  } else {
    process.stdout.write(formatSummary(name, layers, result.description, { input: result.plan.text, target: result.plan.targetText }).join('\n') + '\n');
  }
  return EXIT.ok;
}
