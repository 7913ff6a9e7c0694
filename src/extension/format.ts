// Text the editor shows for runs, layers and predictions. Pure functions (no vscode import), so the
// exact wording of lenses, tree labels and inline results is unit-tested.
import { describeBaseline } from '../coach/baseline';
import { formatDuration } from '../common/format';
import { countParams } from '../common/params';
import type { ActiveRun } from './run-service';
import type { BackendReport, LayerSummary } from '../protocol/trainer';
import type { EpochRecord, Prediction, RunJson, RunStatus } from '../runs/types';

/** Loss-like values: three decimals when they matter, fewer significant digits for tiny or huge values. */
export function formatMetric(value: number | undefined): string {
  if (value === undefined || value === null || Number.isNaN(value)) return '-';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 0.001 || abs >= 1e6)) return value.toExponential(2);
  if (abs >= 1000) return value.toFixed(0);
  return value.toFixed(3);
}

/** A regression output in the target's own units: up to 4 significant digits, at least 2 decimals. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 0.01 || abs >= 1e7)) return value.toExponential(2);
  if (abs >= 1000) return value.toFixed(1);
  return value.toFixed(2);
}

export function formatPercent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", then the date. */
export function formatRelative(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 14) return `${d} day${d === 1 ? '' : 's'} ago`;
  return new Date(t).toISOString().slice(0, 10);
}

// ---- code lenses -------------------------------------------------------------------------------------

/** `Summary (9 params, 3 layers)`: every layer the summary lists, derived input and output included. */
export function summaryLensTitle(layers: LayerSummary[]): string {
  const params = countParams(layers).total;
  const n = layers.length;
  return `Summary (${formatCount(params)} param${params === 1 ? '' : 's'}, ${n} layer${n === 1 ? '' : 's'})`;
}

/** `Stop (epoch 3/50, loss 0.412)` while training, `Stop (queued)` while waiting for a free slot. */
export function stopLensTitle(run: ActiveRun): string {
  if (run.state === 'queued') return 'Stop (queued)';
  if (run.epoch <= 0 || run.epochs <= 0) return 'Stop (starting)';
  const loss = run.loss === undefined ? '' : `, loss ${formatMetric(run.loss)}`;
  return `Stop (epoch ${run.epoch}/${run.epochs}${loss})`;
}

export function progressMessage(epoch: number, epochs: number, loss: number | undefined, etaMs: number | undefined): string {
  const parts = [`epoch ${epoch}/${epochs}`];
  if (loss !== undefined) parts.push(`loss ${formatMetric(loss)}`);
  if (etaMs !== undefined && etaMs > 0 && epoch < epochs) parts.push(`about ${formatDuration(etaMs)} left`);
  return parts.join(', ');
}

// ---- predictions -------------------------------------------------------------------------------------

/** The inline result after an input: `-> Man 97%` for a class, `-> 11.02` (or `-> 1.20, 3.40`) for values. */
export function predictionText(p: Prediction): string {
  // An autoencoder's answer: the input's cluster and how unlike the training data it is.
  if (p.reconstructionError !== undefined) {
    const cluster = p.cluster !== undefined ? `cluster ${p.cluster}, ` : '';
    return `-> ${cluster}reconstruction error ${formatValue(p.reconstructionError)}`;
  }
  // A sequence task's prediction is a text: `-> "1999-10-12"`.
  if (typeof p.output === 'string') return `-> ${JSON.stringify(p.output)}`;
  if (p.label !== undefined) {
    const conf = p.confidence !== undefined ? ` ${formatPercent(p.confidence)}` : '';
    return `-> ${p.label}${conf}`;
  }
  return `-> ${p.output.map(formatValue).join(', ')}`;
}

/**
 * Text from data (class names, labels, column names, run ids) as markdown that shows exactly that text:
 * every markdown punctuation character backslash-escaped, `<`/`>`/`&` as entities (no HTML, no image or link
 * syntax survives), line breaks as spaces (a table cell stays one cell).
 */
export function escapeMarkdown(text: string): string {
  return String(text)
    .replace(/[\\`*_{}[\]()#+\-.!|~:$]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\r\n]+/g, ' ');
}

/** Markdown for the hover: every class probability (most likely first) and the run that answered. */
export function predictionHover(p: Prediction, runId: string, classNames?: string[], target?: string[]): string {
  const md = escapeMarkdown;
  const lines: string[] = [];
  if (p.reconstructionError !== undefined) {
    lines.push('| | |', '|---|---:|');
    if (p.cluster !== undefined) lines.push(`| cluster | ${p.cluster} |`);
    lines.push(`| reconstruction error | ${formatValue(p.reconstructionError)} |`);
    lines.push(`| code | ${(p.code ?? []).map(formatValue).join(', ')} |`);
    lines.push('', 'A high reconstruction error means the input is unlike the training data (an anomaly).');
    lines.push('', `run \`${runId}\``);
    return lines.join('\n');
  }
  if (typeof p.output === 'string') {
    lines.push(`**${JSON.stringify(p.output)}**${p.confidence !== undefined ? ` (the whole text: ${formatPercent(p.confidence)})` : ''}`, '', `run \`${runId}\``);
    return lines.join('\n');
  }
  if (p.label !== undefined && classNames && classNames.length === p.output.length) {
    lines.push('| class | probability |', '|---|---:|');
    const order = p.output.map((v, i) => ({ v, name: classNames[i] })).sort((a, b) => b.v - a.v);
    for (const { v, name } of order) lines.push(`| ${name === p.label ? `**${md(name)}**` : md(name)} | ${(v * 100).toFixed(1)}% |`);
  } else if (p.label !== undefined && p.output.length === 1) {
    // Two classes share one sigmoid unit: its value is the probability of the second class.
    lines.push(`**${md(p.label)}** (${formatPercent(p.confidence ?? p.output[0])})`);
  } else {
    const names = target && target.length === p.output.length ? target : p.output.map((_, i) => `output ${i + 1}`);
    lines.push('| target | predicted |', '|---|---:|');
    p.output.forEach((v, i) => lines.push(`| ${md(names[i])} | ${formatValue(v)} |`));
  }
  // A code span shows its text literally; only a backtick could end it early.
  lines.push('', `run \`${runId.replace(/`/g, "'")}\``);
  return lines.join('\n');
}

// ---- experiments tree --------------------------------------------------------------------------------

/** Codicon id for a run status. */
export function statusIcon(status: RunStatus | 'queued'): string {
  switch (status) {
    case 'running': return 'sync~spin';
    case 'queued': return 'clock';
    case 'completed': return 'pass';
    case 'failed': return 'error';
    case 'stopped': return 'debug-stop';
    case 'interrupted': return 'warning';
  }
}

/** The headline metric: accuracy for classification, MAE for regression, when the run recorded it. */
export function headlineMetric(metrics: Record<string, number> | undefined): string | undefined {
  if (!metrics) return undefined;
  const pick = (k: string) => (typeof metrics[k] === 'number' ? metrics[k] : undefined);
  const acc = pick('val_accuracy') ?? pick('accuracy') ?? pick('val_acc') ?? pick('acc');
  if (acc !== undefined) return `acc ${formatPercent(acc)}`;
  const mae = pick('val_mae') ?? pick('mae');
  if (mae !== undefined) return `MAE ${formatMetric(mae)}`;
  return undefined;
}

export function runDuration(run: RunJson, now: number = Date.now()): number | undefined {
  const start = Date.parse(run.startedAt);
  if (Number.isNaN(start)) return undefined;
  const end = run.endedAt ? Date.parse(run.endedAt) : run.status === 'running' ? now : NaN;
  return Number.isNaN(end) ? undefined : end - start;
}

export function runLabel(run: RunJson, now: number = Date.now()): string {
  return `${formatRelative(run.startedAt, now)} · ${run.status}`;
}

/** backend · loss · acc/MAE · duration */
export function runDescription(run: RunJson, now: number = Date.now()): string {
  const parts: string[] = [];
  if (run.backendLabel ?? run.backend) parts.push(run.backendLabel ?? String(run.backend));
  if (run.status === 'running') parts.push(`epoch ${run.epochsDone}/${run.epochs}`);
  const loss = run.finalMetrics?.val_loss ?? run.finalMetrics?.loss;
  if (loss !== undefined) parts.push(`loss ${formatMetric(loss)}`);
  const head = headlineMetric(run.finalMetrics);
  if (head) parts.push(head);
  const base = baselineShort(run);
  if (head && base) parts.push(base);
  if (run.insights?.length) parts.push(`⚠ ${run.insights.map((i) => i.kind).join(', ')}`);
  const d = runDuration(run, now);
  if (d !== undefined) parts.push(formatDuration(d));
  return parts.join(' · ');
}

/** `baseline 44%` / `baseline MAE 68.5`: what always answering the common class or the mean scores. */
export function baselineShort(run: RunJson): string | undefined {
  const b = run.baseline;
  if (!b) return undefined;
  return b.task === 'classification' ? `baseline ${formatPercent(b.accuracy)}` : `baseline MAE ${formatMetric(b.mae)}`;
}

export function runTooltip(run: RunJson): string {
  const lines = [`Run ${run.id} (${run.status})`, `started ${run.startedAt}`];
  if (run.endedAt) lines.push(`ended ${run.endedAt}`);
  lines.push(`epochs ${run.epochsDone}/${run.epochs}`);
  if (run.backendLabel ?? run.backend) lines.push(`backend ${run.backendLabel ?? run.backend}`);
  if (run.params) lines.push(`${formatCount(run.params.trainable)} learnable parameters`);
  if (run.finalMetrics) {
    for (const [k, v] of Object.entries(run.finalMetrics)) lines.push(`${k} ${formatMetric(v)}`);
  }
  if (run.restoredEpoch !== undefined) lines.push(`restoreBestWeights: the model and metrics are epoch ${run.restoredEpoch}'s`);
  if (run.baseline) lines.push(`baseline, ${describeBaseline(run.baseline)}`);
  for (const i of run.insights ?? []) lines.push(`${i.kind}: ${i.message}`);
  if (run.resumedFrom) lines.push(`resumed from ${run.resumedFrom}`);
  if (run.error) lines.push(`error: ${run.error}`);
  return lines.join('\n');
}

export function epochLabel(rec: EpochRecord): string {
  return rec.round !== undefined ? `epoch ${rec.epoch} (round ${rec.round})` : `epoch ${rec.epoch}`;
}

/** `loss 0.412 · val_loss 0.450 · accuracy 0.910 · 12 ms` */
export function epochDescription(rec: EpochRecord): string {
  const parts: string[] = [];
  const keys = Object.keys(rec).filter((k) => k !== 'epoch' && k !== 'ms' && k !== 'round');
  keys.sort((a, b) => metricOrder(a) - metricOrder(b) || a.localeCompare(b));
  for (const k of keys) parts.push(`${k} ${formatMetric(rec[k])}`);
  if (typeof rec.ms === 'number') parts.push(formatDuration(rec.ms));
  return parts.join(' · ');
}

function metricOrder(k: string): number {
  if (k === 'loss') return 0;
  if (k === 'val_loss') return 1;
  return k.startsWith('val_') ? 3 : 2;
}

// ---- status bar --------------------------------------------------------------------------------------

export function backendStatusText(label: string): string {
  return `$(chip) ${label}`;
}

/** Each rung of the ladder that was tried: what loaded, and why the earlier ones did not. */
export function backendTooltip(report: BackendReport): string {
  const lines = [`dlmodel backend: ${report.label}`, ''];
  for (const a of report.attempts) lines.push(`${a.ok ? '✓' : '✗'} ${a.name}: ${a.reason}`);
  lines.push('', 'Click to choose a backend.');
  return lines.join('\n');
}

// ---- summary document --------------------------------------------------------------------------------

/** The `dlmodel summary` table, as plain text for the summary view. */
export function summaryTable(title: string, layers: LayerSummary[]): string {
  const rows = layers.map((l) => [
    l.derived ? `${l.name} (${l.derived}, derived)` : l.name,
    l.type + (l.activation ? ` ${l.activation}` : ''),
    `[${l.outputShape.map((d) => (d === null ? 'batch' : String(d))).join(', ')}]`,
    formatCount(l.params),
    l.formula ?? (l.trainable ? '' : 'frozen'),
  ]);
  const head = ['layer', 'type', 'output shape', 'params', 'how'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const counts = countParams(layers);
  const out = [title, '', line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ''];
  out.push(`Learnable parameters: ${formatCount(counts.trainable)}`);
  // Batch-norm statistics and frozen layers: parameters the model has but training does not change.
  if (counts.nonTrainable > 0) out.push(`Non-trainable parameters: ${formatCount(counts.nonTrainable)} (total ${formatCount(counts.total)})`);
  return out.join('\n') + '\n';
}
