// The backend in use, in the status bar: `$(chip) CPU (WASM)`, with the ladder's attempts in the tooltip
// (why the earlier backends did not load). Before any run it shows the setting.
import * as vscode from 'vscode';
import { backendStatusText, backendTooltip } from './format';
import type { RunManager } from './runs/manager';
import * as settings from './settings';
import { isSpecPath } from './spec-text';

export class BackendStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('dlmodel.backend', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly runs: RunManager) {
    this.item.name = 'dlmodel backend';
    this.item.command = 'dlmodel.selectBackend';
    this.disposables.push(
      this.item,
      runs.onTrainingUpdate((u) => {
        if (u.backend) this.update();
      }),
      runs.onDidChangeActive(() => this.update()),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (settings.affects(e, 'backend')) this.update();
      }),
    );
    this.update();
  }

  /** The text shown now (tests read it). */
  get text(): string {
    return this.item.text;
  }

  get tooltip(): string {
    return typeof this.item.tooltip === 'string' ? this.item.tooltip : (this.item.tooltip?.value ?? '');
  }

  update(): void {
    const report = this.runs.lastBackend;
    const chosen = settings.backend();
    if (report && (chosen === 'auto' || chosen === report.name)) {
      this.item.text = backendStatusText(report.label);
      this.item.tooltip = backendTooltip(report);
    } else {
      this.item.text = backendStatusText(chosen === 'auto' ? 'auto' : chosen);
      this.item.tooltip =
        chosen === 'auto'
          ? 'dlmodel backend: auto, the first that loads of cuda, webgpu, native, wasm, cpu. Train once to see which one.\nClick to choose a backend.'
          : `dlmodel backend: ${chosen} (from the dlmodel.backend setting).\nClick to choose a backend.`;
    }
    const editor = vscode.window.activeTextEditor;
    const relevant = (editor && isSpecPath(editor.document.uri.fsPath)) || this.runs.active().length > 0 || report !== undefined;
    if (relevant) this.item.show();
    else this.item.hide();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
