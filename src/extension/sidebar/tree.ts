// The Experiments view: every `*.dlmodel.json` in the workspace; under each its runs (newest first),
// under each run its epochs' metrics and its files. Live while training (throttled), and from disk
// through file watchers, so runs from the `dlmodel` command line show up too.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readMetrics } from '../../runs/folder';
import type { RunJson } from '../../runs/types';
import { epochDescription, epochLabel, runDescription, runLabel, runTooltip, statusIcon } from '../format';
import type { RunManager } from '../runs/manager';
import { samePath } from '../runs/manager';
import { ARTIFACTS, runContextValue, type TreeNode } from './nodes';
import { formatProblem } from '../../format/problems';
import type { ValidationResult } from '../../format/validate';
import { nameFromPath } from '../../common/names';

const REFRESH_MS = 500;
export const SPEC_GLOB = '**/*.dlmodel.json';
export const SPEC_EXCLUDE = '{**/node_modules/**,**/.dlmodel/**}';

export class ExperimentsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  readonly view: vscode.TreeView<TreeNode>;

  /** The first error of each spec, by the spec file's modification time it was found for. */
  private readonly invalid = new Map<string, { mtimeMs: number; problem?: string }>();

  constructor(
    private readonly runs: RunManager,
    private readonly validate?: (specPath: string) => Promise<ValidationResult>,
  ) {
    this.view = vscode.window.createTreeView('dlmodel.experiments', {
      treeDataProvider: this,
      canSelectMany: true,
      showCollapseAll: true,
    });
    const specs = vscode.workspace.createFileSystemWatcher(SPEC_GLOB, false, true, false);
    const soon = () => this.refreshSoon();
    this.disposables.push(
      this.view,
      this.changed,
      specs,
      runs.onDidChangeRuns(soon),
      specs.onDidCreate(soon),
      specs.onDidDelete(soon),
      runs.onDidChangeActive(() => this.refresh()),
      runs.onEvent((e) => {
        if (e.event.type === 'epoch' || e.event.type === 'started') this.refreshSoon();
        if (e.event.type === 'finished' || e.event.type === 'failed') this.refresh();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.refresh()),
      // A spec or its data saved: whether it is valid may have changed.
      vscode.workspace.onDidSaveTextDocument(() => {
        this.invalid.clear();
        this.refreshSoon();
      }),
    );
  }

  refresh(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.changed.fire(undefined);
  }

  /** The first error of a spec, found again only when the file changed (or something was saved). */
  private async checkSpec(specPath: string): Promise<void> {
    if (!this.validate) return;
    let mtimeMs: number;
    try {
      mtimeMs = (await fs.stat(specPath)).mtimeMs;
    } catch {
      return;
    }
    if (this.invalid.get(specPath)?.mtimeMs === mtimeMs) return;
    try {
      const { problems } = await this.validate(specPath);
      const first = problems.find((p) => p.severity === 'error');
      this.invalid.set(specPath, { mtimeMs, problem: first ? formatProblem(specPath, first).split(path.dirname(specPath) + path.sep).join('') : undefined });
    } catch {
      this.invalid.set(specPath, { mtimeMs });
    }
  }

  /** Is the spec marked invalid, and why (tests read it). */
  problemOf(specPath: string): string | undefined {
    return this.invalid.get(specPath)?.problem;
  }

  /** Coalesces bursts (an epoch every few ms, a watcher event per file) into one refresh. */
  refreshSoon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, REFRESH_MS);
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) {
      const specs = await findSpecs();
      await Promise.all(specs.map((p) => this.checkSpec(p)));
      return specs.map((specPath) => ({ kind: 'spec', specPath }));
    }
    switch (node.kind) {
      case 'spec': {
        const queued = this.runs
          .active()
          .filter((r) => r.state === 'queued' && samePath(r.specPath, node.specPath))
          .map((_, i): TreeNode => ({ kind: 'queued', specPath: node.specPath, position: i + 1 }));
        let runs: TreeNode[] = [];
        try {
          const found = await this.runs.listRunFolders(node.specPath);
          runs = [
            ...found.runs.map((i): TreeNode => ({ kind: 'run', specPath: node.specPath, dir: i.dir, run: i.run })),
            ...found.unreadable.map((u): TreeNode => ({ kind: 'unreadable', specPath: node.specPath, dir: u.dir, id: u.id, error: u.error })),
          ];
        } catch {
          // An unreadable runs folder shows as no runs; the log has the reason when training.
        }
        const out = [...queued, ...runs];
        return out.length ? out : [{ kind: 'empty', specPath: node.specPath }];
      }
      case 'run': {
        const metrics = await readMetrics(node.dir).catch(() => []);
        return [
          { kind: 'epochs', specPath: node.specPath, dir: node.dir, count: metrics.length },
          { kind: 'artifacts', specPath: node.specPath, dir: node.dir },
        ];
      }
      case 'epochs': {
        const metrics = await readMetrics(node.dir).catch(() => []);
        return metrics.map((record) => ({ kind: 'epoch', dir: node.dir, record }));
      }
      case 'artifacts': {
        const out: TreeNode[] = [];
        for (const a of ARTIFACTS) {
          if (await exists(path.join(node.dir, a.file))) out.push({ kind: 'artifact', dir: node.dir, file: a.file, label: a.label });
        }
        return out;
      }
      case 'queued':
      case 'epoch':
      case 'artifact':
      case 'unreadable':
      case 'empty':
        return [];
    }
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'spec': {
        const uri = vscode.Uri.file(node.specPath);
        const item = new vscode.TreeItem(nameFromPath(node.specPath), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `spec:${node.specPath}`;
        // The folder, relative to the workspace; nothing for a spec at the workspace root.
        const relDir = path.dirname(vscode.workspace.asRelativePath(node.specPath, false));
        item.description = relDir === '.' ? undefined : relDir;
        item.tooltip = node.specPath;
        item.resourceUri = uri;
        const running = this.runs.isActive(node.specPath);
        const problem = this.invalid.get(node.specPath)?.problem;
        item.iconPath = new vscode.ThemeIcon(running ? 'sync~spin' : 'beaker');
        if (problem && !running) {
          item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
          item.description = [item.description, 'invalid'].filter(Boolean).join(' · ');
          item.tooltip = `${node.specPath}\n\nNot valid: ${problem}`;
        }
        item.contextValue = running ? 'dlmodel.spec.running' : 'dlmodel.spec';
        item.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
        return item;
      }
      case 'queued': {
        const item = new vscode.TreeItem(`queued (#${node.position})`, vscode.TreeItemCollapsibleState.None);
        item.id = `queued:${node.specPath}:${node.position}`;
        item.iconPath = new vscode.ThemeIcon(statusIcon('queued'));
        item.description = 'starts when a running training ends';
        item.contextValue = 'dlmodel.queued';
        return item;
      }
      case 'run': {
        const run = this.live(node.run, node.dir);
        const item = new vscode.TreeItem(runLabel(run), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `run:${node.dir}`;
        item.description = runDescription(run);
        item.tooltip = runTooltip(run);
        item.iconPath = new vscode.ThemeIcon(statusIcon(run.status), statusColor(run));
        item.contextValue = runContextValue(run);
        item.command = { command: 'dlmodel.openDashboard', title: 'Open Dashboard', arguments: [node] };
        return item;
      }
      case 'epochs': {
        const item = new vscode.TreeItem(`Epochs (${node.count})`, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `epochs:${node.dir}`;
        item.iconPath = new vscode.ThemeIcon('graph-line');
        item.contextValue = 'dlmodel.epochs';
        return item;
      }
      case 'epoch': {
        const item = new vscode.TreeItem(epochLabel(node.record), vscode.TreeItemCollapsibleState.None);
        item.id = `epoch:${node.dir}:${node.record.epoch}`;
        item.description = epochDescription(node.record);
        item.tooltip = epochDescription(node.record).split(' · ').join('\n');
        item.contextValue = 'dlmodel.epoch';
        return item;
      }
      case 'artifacts': {
        const item = new vscode.TreeItem('Files', vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `files:${node.dir}`;
        item.iconPath = new vscode.ThemeIcon('files');
        item.contextValue = 'dlmodel.artifacts';
        return item;
      }
      case 'artifact': {
        const uri = vscode.Uri.file(path.join(node.dir, node.file));
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = `file:${uri.fsPath}`;
        item.resourceUri = uri;
        item.iconPath = node.file.startsWith('model/') ? new vscode.ThemeIcon('circuit-board') : vscode.ThemeIcon.File;
        item.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
        item.contextValue = 'dlmodel.artifact';
        return item;
      }
      case 'unreadable': {
        const item = new vscode.TreeItem(node.id, vscode.TreeItemCollapsibleState.None);
        item.id = `unreadable:${node.dir}`;
        item.description = 'unreadable';
        item.tooltip = node.error;
        item.iconPath = new vscode.ThemeIcon('warning');
        item.contextValue = 'dlmodel.run.unreadable';
        return item;
      }
      case 'empty': {
        const item = new vscode.TreeItem('No runs yet: Train to start one', vscode.TreeItemCollapsibleState.None);
        item.id = `empty:${node.specPath}`;
        item.iconPath = new vscode.ThemeIcon('play');
        item.command = { command: 'dlmodel.train', title: 'Train', arguments: [vscode.Uri.file(node.specPath)] };
        return item;
      }
    }
  }

  /** run.json is written at start and end; between them the trainer's live epoch and loss are newer. */
  private live(run: RunJson, dir: string): RunJson {
    if (run.status !== 'running') return run;
    const a = this.runs.active().find((r) => r.runDir && samePath(r.runDir, dir));
    if (!a) return run;
    const finalMetrics = a.loss !== undefined ? { ...(run.finalMetrics ?? {}), loss: a.loss } : run.finalMetrics;
    return { ...run, epochsDone: a.epoch, epochs: a.epochs || run.epochs, finalMetrics };
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

function statusColor(run: RunJson): vscode.ThemeColor | undefined {
  switch (run.status) {
    case 'completed': return new vscode.ThemeColor('testing.iconPassed');
    case 'failed': return new vscode.ThemeColor('testing.iconFailed');
    case 'interrupted': return new vscode.ThemeColor('list.warningForeground');
    case 'running':
    case 'stopped':
      return undefined;
  }
}

/** Every spec file in the workspace, sorted by path. */
export async function findSpecs(): Promise<string[]> {
  const uris = await vscode.workspace.findFiles(SPEC_GLOB, SPEC_EXCLUDE);
  return uris.map((u) => u.fsPath).sort((a, b) => a.localeCompare(b));
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

