// What the user sees while and after training: a cancellable notification per run (epoch, loss, ETA;
// Cancel = Stop), and a message when the run ends (failed runs offer the log and the spec).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatMetric, headlineMetric, progressMessage } from './format';
import type { RunManager, TrainingUpdate } from './runs/manager';

interface Shown {
  progress: vscode.Progress<{ message?: string; increment?: number }>;
  resolve: () => void;
  percent: number;
  lastReport: number;
  backendLabel?: string;
}

const REPORT_INTERVAL_MS = 250;

export class TrainingProgress implements vscode.Disposable {
  private readonly shown = new Map<number, Shown>();
  private readonly pending = new Map<number, TrainingUpdate>();
  private readonly subscription: vscode.Disposable;
  /** The last end-of-run message shown (tests read it: the user saw why a run failed). */
  lastAnnouncement: { severity: 'info' | 'error'; text: string; actions: string[] } | undefined;

  constructor(
    private readonly runs: RunManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscription = runs.onTrainingUpdate((u) => this.onUpdate(u));
  }

  private onUpdate(u: TrainingUpdate): void {
    switch (u.phase) {
      case 'spawned':
        this.open(u);
        break;
      case 'progress':
        this.report(u);
        break;
      case 'ended':
        this.close(u);
        this.announce(u);
        break;
    }
  }

  private open(u: TrainingUpdate): void {
    const name = path.basename(u.specPath);
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Training ${name}`, cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          token.onCancellationRequested(() => {
            this.runs.stop(u.specPath);
          });
          this.shown.set(u.id, { progress, resolve, percent: 0, lastReport: 0 });
          progress.report({ message: 'starting the trainer...' });
          const early = this.pending.get(u.id);
          if (early) this.report(early);
        }),
    );
  }

  private report(u: TrainingUpdate): void {
    const s = this.shown.get(u.id);
    if (!s) {
      this.pending.set(u.id, u);
      return;
    }
    if (u.backend) s.backendLabel = u.backend.label;
    const now = Date.now();
    // Epoch ends always show (they carry the ETA); batch updates are throttled.
    if (u.etaMs === undefined && now - s.lastReport < REPORT_INTERVAL_MS) return;
    s.lastReport = now;
    const percent = u.epochs > 0 ? Math.min(100, (u.epoch / u.epochs) * 100) : 0;
    const increment = Math.max(0, percent - s.percent);
    s.percent = Math.max(s.percent, percent);
    const message = u.epochs > 0 ? progressMessage(u.epoch, u.epochs, u.loss, u.etaMs) : 'loading the data and the backend...';
    s.progress.report({ message: s.backendLabel ? `${message} on ${s.backendLabel}` : message, increment });
  }

  private close(u: TrainingUpdate): void {
    this.pending.delete(u.id);
    const s = this.shown.get(u.id);
    if (!s) return;
    this.shown.delete(u.id);
    s.resolve();
  }

  private announce(u: TrainingUpdate): void {
    const name = path.basename(u.specPath);
    const specUri = vscode.Uri.file(u.specPath);
    const end = u.end;
    if (!end) return;
    if (end.type === 'finished') {
      const loss = end.metrics.val_loss ?? end.metrics.loss;
      const head = headlineMetric(end.metrics);
      const what = [loss !== undefined ? `loss ${formatMetric(loss)}` : '', head ?? ''].filter(Boolean).join(', ');
      const text =
        end.status === 'completed'
          ? `${name}: training completed after ${end.epochsDone} epochs${what ? ` (${what})` : ''}.`
          : `${name}: training stopped after ${end.epochsDone} epochs; the finished epochs and the model are kept.`;
      const actions = end.status === 'completed' ? ['Predict', 'Open Dashboard'] : ['Resume', 'Open Dashboard'];
      this.lastAnnouncement = { severity: 'info', text, actions };
      void vscode.window.showInformationMessage(text, ...actions).then((choice) => {
        if (choice === 'Predict') void vscode.commands.executeCommand('dlmodel.predict', specUri);
        if (choice === 'Open Dashboard') void vscode.commands.executeCommand('dlmodel.openDashboard', specUri, end.runDir);
        if (choice === 'Resume') void vscode.commands.executeCommand('dlmodel.resume', { kind: 'run', specPath: u.specPath, dir: end.runDir });
      });
      return;
    }
    const details = end.problems?.length ? ` ${end.problems.slice(0, 3).join('; ')}` : '';
    const text = `${name}: training failed: ${end.message}${details}`;
    this.lastAnnouncement = { severity: 'error', text, actions: ['Open Log', 'Open Spec'] };
    void vscode.window
      .showErrorMessage(text, 'Open Log', 'Open Spec')
      .then((choice) => {
        if (choice === 'Open Log') this.log.show(true);
        if (choice === 'Open Spec') void vscode.window.showTextDocument(specUri);
      });
  }

  dispose(): void {
    this.subscription.dispose();
    for (const s of this.shown.values()) s.resolve();
    this.shown.clear();
  }
}
