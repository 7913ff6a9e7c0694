// Where the runs of a spec live, and when they change: the one place in the extension that knows the runs
// folder (`.dlmodel/runs` beside the spec, or `dlmodel.runsFolder` in a trusted workspace). Listing and
// watching go through it, so the lenses, the sidebar, the commands and the dashboard all see the same runs.
import * as vscode from 'vscode';
import { latestCompletedRun, listRunFolders, listRuns, type RunInfo, type UnreadableRun } from '../../runs/folder';
import * as settings from '../settings';

export class RunFolders implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** A run.json was created, changed or deleted in any runs folder (training here, the CLI, another window). */
  readonly onDidChange = this.changed.event;
  private watchers: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.watch();
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('dlmodel.runsFolder')) this.rewatch();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.rewatch()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.rewatch()),
    );
  }

  /** The runs folder for a spec: undefined means `.dlmodel/runs` beside it. */
  root(specPath: string): string | undefined {
    return settings.runsRoot(vscode.Uri.file(specPath));
  }

  /** Every readable run of the spec, newest first (a run whose process is gone reads as interrupted). Writes nothing. */
  list(specPath: string): Promise<RunInfo[]> {
    return listRuns(specPath, { runsRoot: this.root(specPath) });
  }

  /** The readable runs and the unreadable ones. Writes nothing. */
  listAll(specPath: string): Promise<{ runs: RunInfo[]; unreadable: UnreadableRun[] }> {
    return listRunFolders(specPath, { runsRoot: this.root(specPath) });
  }

  /** Records runs whose process is gone as `interrupted`; only the caller knows whether writing is allowed. */
  async reconcile(specPath: string): Promise<void> {
    await listRuns(specPath, { runsRoot: this.root(specPath), write: true });
  }

  latestCompleted(specPath: string): Promise<RunInfo | undefined> {
    return latestCompletedRun(specPath, { runsRoot: this.root(specPath) });
  }

  private rewatch(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    this.watch();
    // Another folder may hold other runs: everyone lists again.
    this.changed.fire(vscode.Uri.file('/'));
  }

  private watch(): void {
    const add = (w: vscode.FileSystemWatcher) => {
      const fire = (u: vscode.Uri) => this.changed.fire(u);
      this.watchers.push(w, w.onDidCreate(fire), w.onDidChange(fire), w.onDidDelete(fire));
    };
    add(vscode.workspace.createFileSystemWatcher('**/.dlmodel/runs/**/run.json'));
    const roots = new Set<string>();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const root = settings.runsRoot(folder.uri);
      if (root) roots.add(root);
    }
    for (const root of roots) add(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), '**/run.json')));
  }

  dispose(): void {
    for (const w of this.watchers) w.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
