// The seam between the parts of the extension that start trainers (runs/manager.ts) and those that only
// watch them (the dashboard, the sidebar, code lenses, status bar, progress, commands). Watchers depend on
// this interface only: it lists runs and reports changes from the one place that knows the runs folder.
import type * as vscode from 'vscode';
import type { TrainerEvent } from '../protocol/trainer';
import type { RunInfo } from '../runs/folder';
import type { Prediction, Row } from '../runs/types';

export interface RunEvent {
  /** Absolute path of the `.dlmodel.json` file the run belongs to. */
  specPath: string;
  /** The run folder, once the trainer has reported it. */
  runDir?: string;
  event: TrainerEvent;
}

export interface PredictResult {
  runDir: string;
  predictions: Prediction[];
  classNames?: string[];
}

export interface ActiveRun {
  specPath: string;
  runDir?: string;
  epoch: number;
  epochs: number;
  loss?: number;
  state: 'queued' | 'running';
}

export interface RunService {
  readonly onEvent: vscode.Event<RunEvent>;
  /** A run.json changed in some runs folder (`dlmodel.runsFolder` honoured): list again. */
  readonly onDidChangeRuns: vscode.Event<vscode.Uri>;
  /** The runs of a spec, from its runs folder, newest first. */
  listRuns(specPath: string): Promise<RunInfo[]>;
  latestCompletedRun(specPath: string): Promise<RunInfo | undefined>;
  /** Fires when a run is queued, starts, or ends. */
  readonly onDidChangeActive: vscode.Event<void>;
  active(): ActiveRun[];
  train(specPath: string, opts?: { resume?: string }): Promise<void>;
  stop(specPath: string): boolean;
  predict(specPath: string, opts?: { runDir?: string; inputs?: Row[] }): Promise<PredictResult>;
}
