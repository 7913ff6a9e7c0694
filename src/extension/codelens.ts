// Lenses on a spec file: `Train`, `Summary (9 params, 3 layers)` and, while a run of it is going,
// `Stop (epoch 3/50, loss 0.412)`; above the `predict` block, `Predict` (or `Predict (train first)`).
// They refresh when runs start and end, and on epochs and batches (throttled). A refresh must be
// quick: VS Code drops a lens request that a newer refresh overtakes, so a slow one (listing every run for
// Predict) kept the Stop lens epochs behind the progress notification. The latest completed run is cached
// per spec until a run folder changes.
import * as vscode from 'vscode';
import { stopLensTitle, summaryLensTitle } from './format';
import type { RunManager } from './runs/manager';
import { samePath } from './runs/manager';
import { predictBlock } from './spec-text';
import { summaryOf } from './summary';
import type { ValidationCache } from './validation';

const PROGRESS_REFRESH_MS = 700;

export class SpecCodeLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly completed = new Map<string, ReturnType<RunManager['latestCompletedRun']>>();

  constructor(
    private readonly runs: RunManager,
    private readonly validation: ValidationCache,
  ) {
    // Runs finished by the command line (or deleted) change what Predict can do.
    this.disposables.push(
      runs.onDidChangeRuns(() => {
        this.completed.clear();
        this.refreshSoon();
      }),
      this.changed,
      vscode.languages.registerCodeLensProvider({ scheme: 'file', pattern: '**/*.dlmodel.json' }, this),
      runs.onDidChangeActive(() => this.refresh()),
      runs.onEvent((e) => {
        switch (e.event.type) {
          // Throttled, epochs too: a refresh on every epoch of a fast run overtakes each lens request before
          // it answers, and VS Code then shows none of them (the lens stayed at "starting").
          case 'batch':
          case 'epoch':
            this.refreshSoon();
            break;
          case 'started':
          case 'finished':
          case 'failed':
            this.completed.clear();
            this.refresh();
            break;
          case 'weights':
          case 'log':
          case 'predictions':
            break;
        }
      }),
    );
  }

  refresh(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.changed.fire();
  }

  private refreshSoon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire();
    }, PROGRESS_REFRESH_MS);
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const top = new vscode.Range(0, 0, 0, 0);
    const uri = doc.uri;
    const lenses: vscode.CodeLens[] = [new vscode.CodeLens(top, { title: '$(play) Train', command: 'dlmodel.train', arguments: [uri], tooltip: 'Train this model in a separate process' })];
    const active = this.runs.active().filter((r) => samePath(r.specPath, uri.fsPath));
    const shown = active.find((r) => r.state === 'running') ?? active[0];
    if (shown) {
      lenses.push(new vscode.CodeLens(top, { title: `$(debug-stop) ${stopLensTitle(shown)}`, command: 'dlmodel.stop', arguments: [uri], tooltip: 'Stop training; finished epochs and the model are kept' }));
    }
    const summary = await summaryOf(doc, this.validation);
    if (token.isCancellationRequested) return lenses;
    lenses.push(
      new vscode.CodeLens(top, {
        title: summary.ok ? summaryLensTitle(summary.layers) : 'Summary',
        command: 'dlmodel.showSummary',
        arguments: [uri],
        tooltip: summary.ok ? 'Each layer, its output shape and its learnable parameters' : summary.reason,
      }),
    );
    const block = predictBlock(doc.getText());
    if (block) {
      const line = doc.positionAt(block.offset).line;
      const range = new vscode.Range(line, 0, line, 0);
      const done = await this.latestCompleted(uri.fsPath);
      lenses.push(
        new vscode.CodeLens(range, {
          title: done ? '$(run) Predict' : 'Predict (train first)',
          command: 'dlmodel.predict',
          arguments: [uri],
          tooltip: done ? `Predict these inputs with run ${done.run.id}` : 'There is no completed run of this experiment yet: Train first',
        }),
      );
    }
    return lenses;
  }

  private latestCompleted(specPath: string): ReturnType<RunManager['latestCompletedRun']> {
    let p = this.completed.get(specPath);
    if (!p) {
      p = this.runs.latestCompletedRun(specPath).catch(() => undefined);
      this.completed.set(specPath, p);
    }
    return p;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
