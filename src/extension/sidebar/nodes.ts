// The Experiments tree's nodes: plain data, so commands accept them from context menus and tests alike.
import type { EpochRecord, RunJson } from '../../runs/types';

export type TreeNode =
  | { kind: 'spec'; specPath: string }
  | { kind: 'queued'; specPath: string; position: number }
  | { kind: 'run'; specPath: string; dir: string; run: RunJson }
  /** A run folder whose run.json cannot be read: shown with the reason, never hiding the other runs. */
  | { kind: 'unreadable'; specPath: string; dir: string; id: string; error: string }
  | { kind: 'epochs'; specPath: string; dir: string; count: number }
  | { kind: 'epoch'; dir: string; record: EpochRecord }
  | { kind: 'artifacts'; specPath: string; dir: string }
  | { kind: 'artifact'; dir: string; file: string; label: string }
  | { kind: 'empty'; specPath: string };

export type RunNode = Extract<TreeNode, { kind: 'run' }>;

/** Anything a command may receive that names a run folder. */
export function isRunLike(v: unknown): v is { kind: 'run'; specPath: string; dir: string; run?: RunJson } {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'run' && typeof (v as { dir?: unknown }).dir === 'string';
}

export function isSpecLike(v: unknown): v is { specPath: string } {
  return typeof v === 'object' && v !== null && typeof (v as { specPath?: unknown }).specPath === 'string';
}

/** The artifacts of a run folder, in the order the tree lists them. */
export const ARTIFACTS: { file: string; label: string }[] = [
  { file: 'model/model.json', label: 'model (model.json)' },
  { file: 'preprocess.json', label: 'preprocess.json' },
  { file: 'predictions.json', label: 'predictions.json' },
  { file: 'metrics.jsonl', label: 'metrics.jsonl' },
  { file: 'run.json', label: 'run.json' },
];

/** contextValue for a run: `dlmodel.run.<status>` plus `.resumable` where Resume makes sense. */
export function runContextValue(run: RunJson): string {
  const resumable = run.status === 'stopped' || run.status === 'interrupted' || run.status === 'failed';
  return `dlmodel.run.${run.status}${resumable ? '.resumable' : ''}`;
}
