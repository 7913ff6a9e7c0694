// The dashboard's entry: one panel per experiment (keyed by spec path), reopened after a reload by the
// WebviewPanelSerializer from the UI state the webview keeps (`setState`: which spec, which run).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DASHBOARD_VIEW_TYPE, type DashboardUiState } from '../../protocol/webview';
import type { RunService } from '../run-service';
import type { ValidationCache } from '../validation';
import { DashboardPanel } from './panel';

export interface DashboardApi extends vscode.Disposable {
  open(specUri: vscode.Uri, runDir?: string): void;
  compare(specUri: vscode.Uri, runDirs: string[]): void;
  /** Open panels by spec path, for tests. */
  readonly panels: ReadonlyMap<string, DashboardPanel>;
}

export function registerDashboard(context: vscode.ExtensionContext, runs: RunService, validation: ValidationCache): DashboardApi {
  const panels = new Map<string, DashboardPanel>();
  const key = (p: string): string => path.resolve(p);

  const track = (p: DashboardPanel): DashboardPanel => {
    panels.set(key(p.specPath), p);
    p.onDidDispose(() => {
      if (panels.get(key(p.specPath)) === p) panels.delete(key(p.specPath));
    });
    return p;
  };

  const openPanel = (specUri: vscode.Uri): DashboardPanel => {
    const existing = panels.get(key(specUri.fsPath));
    if (existing) {
      existing.reveal();
      return existing;
    }
    return track(DashboardPanel.create(context.extensionUri, specUri.fsPath, runs, validation));
  };

  const serializer = vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
      const ui = (state ?? {}) as Partial<DashboardUiState>;
      if (typeof ui.specPath !== 'string' || panels.has(key(ui.specPath))) {
        panel.dispose();
        return;
      }
      track(new DashboardPanel(panel, context.extensionUri, ui.specPath, runs, validation, { runDir: typeof ui.selectedRun === 'string' ? ui.selectedRun : undefined }));
    },
  });

  return {
    panels,
    open(specUri, runDir) {
      const p = openPanel(specUri);
      if (runDir) void p.selectRun(path.resolve(runDir));
    },
    compare(specUri, runDirs) {
      const p = openPanel(specUri);
      void p.compare(runDirs);
    },
    dispose() {
      serializer.dispose();
      for (const p of [...panels.values()]) p.dispose();
      panels.clear();
    },
  };
}
