// The extension's entry point. `activate` only wires the parts together; each part owns its listeners and
// every registration goes into context.subscriptions. TensorFlow.js is never loaded here: training and
// prediction run in dist/trainer.js child processes (see runs/manager.ts).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SpecCodeLenses } from './codelens';
import { registerCommands } from './commands';
import { registerDashboard, type DashboardApi } from './dashboard/index';
import { SpecDiagnostics } from './diagnostics';
import { summaryTable } from './format';
import { InlineResults } from './inline-results';
import { InsightDiagnostics } from './insights';
import { registerTokenHover } from './token-hover-provider';
import { TrainingProgress } from './progress';
import { RunManager } from './runs/manager';
import { ExperimentsTree, findSpecs } from './sidebar/tree';
import { isSpecPath } from './spec-text';
import { BackendStatus } from './statusbar';
import { computeSummary } from './summary';
import { ValidationCache } from './validation';

export const SUMMARY_SCHEME = 'dlmodel-summary';

/** What activate returns: the parts, for the integration tests (and other extensions, read-only use). */
export interface DlmodelApi {
  runs: RunManager;
  diagnostics: SpecDiagnostics;
  insights: InsightDiagnostics;
  inline: InlineResults;
  tree: ExperimentsTree;
  status: BackendStatus;
  lenses: SpecCodeLenses;
  progress: TrainingProgress;
  dashboard: DashboardApi;
  log: vscode.LogOutputChannel;
  activationMs: number;
}

let manager: RunManager | undefined;

export function activate(context: vscode.ExtensionContext): DlmodelApi | undefined {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('dlmodel', { log: true });
  context.subscriptions.push(log);
  try {
    const trainerScript = vscode.Uri.joinPath(context.extensionUri, 'dist', 'trainer.js').fsPath;
    const runs = new RunManager(trainerScript, log);
    manager = runs;
    const validation = new ValidationCache();
    const diagnostics = new SpecDiagnostics(validation);
    const lenses = new SpecCodeLenses(runs, validation);
    const inline = new InlineResults();
    const insights = new InsightDiagnostics(runs);
    const tree = new ExperimentsTree(runs, (p) => validation.forFile(p));
    const status = new BackendStatus(runs);
    const progress = new TrainingProgress(runs, log);
    const dashboard = registerDashboard(context, runs, validation);
    context.subscriptions.push(runs, validation, diagnostics, insights, lenses, inline, tree, status, progress, dashboard);
    context.subscriptions.push(
      ...registerCommands({ runs, log, diagnostics, inline, tree, dashboard, summaryScheme: SUMMARY_SCHEME }),
      registerSummaryDocuments(),
      registerTokenHover(runs),
      runs.onDidChangeActive(() => {
        const running = runs.active().map((r) => r.specPath);
        void vscode.commands.executeCommand('setContext', 'dlmodel.activeSpecs', running);
      }),
      // Validation (and so the summary lens) depends on trust; the diagnostics invalidate the cache first.
      vscode.workspace.onDidGrantWorkspaceTrust(() => lenses.refresh()),
    );
    // Runs left `running` by a trainer that is gone (VS Code closed mid-run) are recorded `interrupted`: off
    // the activation path, since it reads every runs folder, and only once the workspace is trusted (a
    // restricted workspace writes nothing; the sidebar shows such runs as interrupted all the same).
    const reconcileAll = () => void findSpecs().then((specs) => runs.reconcile(specs)).then(() => tree.refresh());
    const reconcile = setTimeout(reconcileAll, 1500);
    context.subscriptions.push({ dispose: () => clearTimeout(reconcile) }, vscode.workspace.onDidGrantWorkspaceTrust(reconcileAll));

    const activationMs = Math.round((performance.now() - started) * 10) / 10;
    log.info(`activated in ${activationMs} ms`);
    return { runs, diagnostics, insights, inline, tree, status, lenses, progress, dashboard, log, activationMs };
  } catch (err) {
    const message = `dlmodel could not start: ${(err as Error).message}`;
    log.error(message, err as Error);
    void vscode.window.showErrorMessage(message, 'Open Log').then((c) => c && log.show(true));
    return undefined;
  }
}

/** Stops trainers cleanly: cancel (they save what is finished), then kill what is left after a timeout. */
export async function deactivate(): Promise<void> {
  await manager?.shutdown(5000);
  manager = undefined;
}

/** Read-only `dlmodel-summary:` documents: the `dlmodel summary` table of a spec, live as it is edited. */
function registerSummaryDocuments(): vscode.Disposable {
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const specOf = (uri: vscode.Uri) => uri.path.replace(/\.summary\.txt$/, '');
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    async provideTextDocumentContent(uri) {
      const specPath = specOf(uri);
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.path === specPath);
      const specUri = doc?.uri ?? vscode.Uri.file(specPath);
      const text = doc ? doc.getText() : Buffer.from(await vscode.workspace.fs.readFile(specUri)).toString('utf8');
      const s = await computeSummary(specUri, text);
      return s.ok ? summaryTable(`Model summary: ${s.name} (${path.basename(specPath)})`, s.layers) : `${s.reason}\n`;
    },
  };
  let timer: NodeJS.Timeout | undefined;
  return vscode.Disposable.from(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(SUMMARY_SCHEME, provider),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (!isSpecPath(e.document.uri.fsPath)) return;
      const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === SUMMARY_SCHEME && specOf(d.uri) === e.document.uri.path);
      if (!open) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => changed.fire(open.uri), 400);
    }),
    { dispose: () => timer && clearTimeout(timer) },
  );
}
