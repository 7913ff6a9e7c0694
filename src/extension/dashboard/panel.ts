// One dashboard panel for one experiment: keeps its DashboardState up to date from run events and the
// run folders, answers the webview's requests, and posts full snapshots at most ~10 times a second.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  DASHBOARD_VIEW_TYPE, isWebviewToHost, type HostToWebview, type PredictionView, type WebviewToHost,
} from '../../protocol/webview';
import type { RunService } from '../run-service';
import type { ValidationCache } from '../validation';
import { boundaryFromPredictions, featureRange, gridInputs, linspace } from '../../common/boundary';
import { dashboardHtml, localRoots } from './html';
import { autoencoderView, type RunInfo, loadImage, loadSpecInfo, readAutoencoder, readMetrics, readPredictions, readPreprocess, readSavedWeights } from './loader';
import { DashboardState, runItem, toEpochPoint, weightsForTransport } from './state';
import { previewTable } from '../../data/preview';
import { prepareTrainingData } from '../../data/preprocess';
import { hasErrors } from '../../format/problems';
import type { PreprocessJson } from '../../runs/types';
import { ColumnTable } from '../../common/columns';
import { Throttle } from './throttle';
import type { Prediction } from '../../runs/types';
import { nameFromPath } from '../../common/names';
import { isContained } from '../../runs/safe-fs';
import type { TextEncoding } from '../../data/text';
import { textSummary, withShownRow, type TextRows } from './text-view';

export const SNAPSHOT_INTERVAL_MS = 100;

export class DashboardPanel implements vscode.Disposable {
  readonly state: DashboardState;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly throttle = new Throttle(SNAPSHOT_INTERVAL_MS, () => this.post());
  private ready = false;
  private disposed = false;
  private loading: Promise<void> | undefined;
  private readonly onDisposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.onDisposeEmitter.event;
  /** Snapshots posted, for the integration tests. */
  posted = 0;
  /** Text inputs: the texts validation read, the encoding shown, and the validation row chosen. */
  private text?: { rows: TextRows; enc: TextEncoding };
  private textRow = 0;

  static create(extensionUri: vscode.Uri, specPath: string, runs: RunService, validation: ValidationCache, column = vscode.ViewColumn.Beside): DashboardPanel {
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, DashboardPanel.title(specPath), { viewColumn: column, preserveFocus: false }, {
      enableScripts: true,
      localResourceRoots: localRoots(extensionUri),
    });
    return new DashboardPanel(panel, extensionUri, specPath, runs, validation);
  }

  static title(specPath: string): string {
    return `Dashboard: ${nameFromPath(specPath)}`;
  }

  constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    readonly specPath: string,
    private readonly runs: RunService,
    private readonly validation: ValidationCache,
    initial: { runDir?: string; compare?: string[] } = {},
  ) {
    this.state = new DashboardState(specPath, nameFromPath(specPath));
    this.state.specLabel = vscode.workspace.asRelativePath(specPath, false);
    if (initial.runDir) this.state.selectedRun = initial.runDir;
    if (initial.compare) this.state.compareRuns = initial.compare;
    panel.webview.options = { enableScripts: true, localResourceRoots: localRoots(extensionUri) };
    panel.webview.html = dashboardHtml(panel.webview, extensionUri, DashboardPanel.title(specPath));
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'dashboard.svg');
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (isWebviewToHost(m)) void this.handleMessage(m);
      }),
      runs.onEvent((e) => {
        if (path.resolve(e.specPath) !== path.resolve(this.specPath)) return;
        const todo = this.state.apply(e.event, e.runDir ?? ('runDir' in e.event ? e.event.runDir : undefined));
        // preprocess.json is written before `started`: its vocabulary labels the live embedding plot.
        if (e.event.type === 'started') void this.loadVocabulary(e.event.runDir);
        if (todo.reloadRuns) void this.reloadRuns(todo.finishedRun);
        this.throttle.schedule();
      }),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (path.resolve(d.uri.fsPath) === path.resolve(this.specPath)) void this.reloadSpec();
      }),
    );
    // Runs written by someone else (the command line, another window) show up too, from the runs folder
    // the run service knows (dlmodel.runsFolder honoured).
    let timer: NodeJS.Timeout | undefined;
    const later = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void this.reloadRuns(), 500);
    };
    this.disposables.push(runs.onDidChangeRuns(later), { dispose: () => timer && clearTimeout(timer) });
    this.loading = this.loadAll();
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  async selectRun(runDir: string | undefined): Promise<void> {
    this.state.select(runDir);
    await this.loadSelected();
    this.throttle.schedule();
  }

  async compare(runDirs: string[]): Promise<void> {
    await this.loading;
    const known = new Set(this.state.runs.map((r) => r.dir));
    const dirs = runDirs.map((d) => path.resolve(d)).filter((d) => known.has(d) || this.state.runs.length === 0);
    if (!this.state.selectedRun && dirs.length) this.state.select(dirs[0]);
    this.state.compareRuns = dirs.filter((d) => d !== this.state.selectedRun);
    await Promise.all([this.loadSelected(), ...this.state.compareRuns.map((d) => this.loadCurves(d))]);
    this.throttle.schedule();
  }

  private async loadAll(): Promise<void> {
    await Promise.all([this.reloadSpec(false), this.reloadRuns()]);
    this.throttle.schedule();
  }

  private async reloadSpec(schedule = true): Promise<void> {
    const info = await loadSpecInfo(this.specPath, this.validation.forFile(this.specPath));
    const live = this.state.live?.state === 'running';
    // While a run trains, its own layer summary (from `started`) stays: it is what the weights belong to.
    if (live && this.state.spec.layers.length) info.layers = this.state.spec.layers;
    // A spec that no longer validates still shows its last runs' inputs and classes.
    if (!info.layers.length && this.state.spec.layers.length && !info.problems.length) info.layers = this.state.spec.layers;
    this.state.spec = { ...info, classNames: info.classNames ?? this.state.spec.classNames, inputNames: info.inputNames.length ? info.inputNames : this.state.spec.inputNames };
    this.panel.title = `Dashboard: ${info.name}`;
    await this.reloadPreview();
    if (schedule) this.throttle.schedule();
  }

  private async reloadRuns(finishedRun?: string): Promise<void> {
    let infos: RunInfo[];
    try {
      infos = await this.runs.listRuns(this.specPath);
    } catch {
      infos = [];
    }
    if (this.disposed) return;
    this.state.runs = infos.map((i) => runItem(i.dir, i.run));
    this.state.runJson = new Map(infos.map((i) => [i.dir, i.run]));
    const known = new Set(infos.map((i) => i.dir));
    if (!this.state.selectedRun || (!known.has(this.state.selectedRun) && this.state.live?.runDir !== this.state.selectedRun)) {
      this.state.select(infos[0]?.dir);
    }
    this.state.compareRuns = this.state.compareRuns.filter((d) => known.has(d));
    const sel = this.state.selectedRun;
    if (sel && (finishedRun === sel || !this.state.data.get(sel)?.epochs.length || !this.state.predictions)) await this.loadSelected(finishedRun === sel);
    await Promise.all(this.state.compareRuns.map((d) => this.loadCurves(d)));
    this.throttle.schedule();
  }

  private async loadCurves(runDir: string, force = false): Promise<void> {
    const live = this.state.live?.state === 'running' && this.state.live.runDir === runDir;
    const have = this.state.data.get(runDir);
    if (have && (live || (have.epochs.length && !force))) return;
    const records = await readMetrics(runDir).catch(() => []);
    const d = this.state.dataFor(runDir);
    if (!live || records.length > d.epochs.length) d.epochs = ColumnTable.from(records.map(toEpochPoint));
  }

  /** Curves, predictions, preprocess facts and final weights of the selected run. */
  private async loadSelected(force = false): Promise<void> {
    const runDir = this.state.selectedRun;
    if (!runDir) return;
    await this.loadCurves(runDir, force);
    const live = this.state.live?.state === 'running' && this.state.live.runDir === runDir;
    if (live) return;
    const [pred, pre, weights, ae] = await Promise.all([
      readPredictions(runDir).catch(() => undefined),
      readPreprocess(runDir).catch(() => undefined),
      this.state.weights?.runDir === runDir && !force ? Promise.resolve(undefined) : readSavedWeights(runDir).catch(() => undefined),
      readAutoencoder(runDir).catch(() => undefined),
    ]);
    if (this.state.selectedRun !== runDir) return;
    if (ae) this.state.autoencoder = autoencoderView(runDir, ae);
    const rounds = this.state.runJson.get(runDir)?.rounds;
    if (rounds) this.state.rounds = rounds.map((r) => ({ ...r }));
    if (pred) this.state.predictions = { runDir, validation: pred.validation.map(predictionView), predict: pred.predict.map(predictionView) };
    if (pre?.text) this.state.setVocabulary(runDir, pre.text.vocabulary);
    if (pre) {
      const s = this.state.spec;
      if (!s.classNames && pre.classNames) s.classNames = pre.classNames;
      if (!s.inputNames.length) s.inputNames = pre.inputNames;
      if (!s.features.length) s.features = pre.features.map((f) => ({ column: f.column, kind: f.kind, categories: f.categories }));
      if (!s.target.length) s.target = pre.target;
      if (!s.task) s.task = pre.task;
      if (!s.image && pre.image) s.image = pre.image;
    }
    if (weights?.length) {
      const run = this.state.runJson.get(runDir);
      this.state.weights = { runDir, epoch: run?.epochsDone ?? 0, layers: weightsForTransport(weights) };
      this.state.setEmbeddingWeights(runDir, weights, { live: false, epoch: run?.epochsDone ?? 0 });
    }
    // Last: everything read from the run folder is in the state before this await, so no snapshot shows
    // the run's predictions without its weights.
    await this.reloadPreview(pre);
  }

  private async loadVocabulary(runDir: string): Promise<void> {
    const pre = await readPreprocess(runDir).catch(() => undefined);
    if (pre?.text && this.state.selectedRun === runDir) {
      this.state.setVocabulary(runDir, pre.text.vocabulary);
      this.throttle.schedule();
    }
  }

  /**
   * "What the network sees": encoded with the selected run's preprocess.json when it fits the spec as it
   * is now, else with an encoding fitted on the spec's data now (not trained yet, or the spec changed).
   */
  private async reloadPreview(runPre?: PreprocessJson): Promise<void> {
    try {
      const v = await this.validation.forFile(this.specPath);
      if (!v.spec || !v.table || !v.description || !v.plan || hasErrors(v.problems)) {
        this.state.dataPreview = undefined;
        this.state.textView = undefined;
        return;
      }
      const sel = this.state.selectedRun;
      let pre = runPre ?? (sel ? await readPreprocess(sel) : undefined);
      let from = sel ? `run ${this.state.runJson.get(sel)?.id ?? path.basename(sel)}` : '';
      if (v.text) {
        // A text input: its tokens and ids take the place of the table preview (which has no input columns).
        const t = v.text;
        const lines = t.kept.map((i) => v.table?.lines[i]);
        const runText = pre?.text && pre.text.column === t.text.column ? pre.text : undefined;
        const enc = runText ?? t.text;
        if (!runText) from = 'the spec as it is now (no run yet)';
        this.text = { rows: { texts: t.texts, lines, validation: t.split.validation }, enc };
        this.state.dataPreview = undefined;
        this.showTextRow(this.textRow, textSummary(enc, this.text.rows, from));
        return;
      }
      this.text = undefined;
      this.state.textView = undefined;
      if (!pre || pre.inputNames.join('\n') !== v.description.inputNames.join('\n') || pre.target.join('\n') !== v.description.target.join('\n')) {
        const d = v.plan;
        const prepared = await prepareTrainingData(v.spec, this.specPath, {
          validationSplit: d.validationSplit, shuffle: d.shuffle, normalize: d.normalize, missing: d.missing, seed: d.seed ?? 0,
        });
        pre = prepared.pre;
        from = 'the spec as it is now (normalization fitted on its training split)';
      }
      this.state.dataPreview = { ...previewTable(v.table, pre), from };
    } catch {
      this.state.dataPreview = undefined;
      this.state.textView = undefined;
    }
  }

  private showTextRow(row: number, summary = this.state.textView): void {
    if (!this.text || !summary) return;
    this.textRow = row < this.text.rows.validation.length ? row : 0;
    this.state.textView = withShownRow(summary, this.text.enc, this.text.rows, this.textRow);
  }

  /** A message from the webview (the integration tests send them here directly). */
  async handleMessage(m: WebviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        await this.loading;
        this.post();
        return;
      case 'selectRun':
        if (!this.isKnownRun(m.runDir)) return;
        await this.selectRun(m.runDir);
        return;
      case 'compareRuns':
        await this.compare(m.runDirs.filter((d) => this.isKnownRun(d)));
        return;
      case 'predict':
        await this.predictOne(m.input, m.runDir);
        return;
      case 'requestDecisionBoundary':
        await this.decisionBoundary(m.runDir, m.resolution);
        return;
      case 'requestImage':
        await this.showImage(m.path);
        return;
      case 'showTextRow':
        this.showTextRow(m.row);
        this.throttle.schedule();
        return;
      case 'openRun':
        if (!this.isKnownRun(m.runDir)) return;
        await vscode.window.showTextDocument(vscode.Uri.file(path.join(m.runDir, 'run.json')), { preview: true, viewColumn: vscode.ViewColumn.One });
        return;
      case 'openSpec':
        await vscode.window.showTextDocument(vscode.Uri.file(this.specPath), { viewColumn: vscode.ViewColumn.One });
        return;
      case 'train':
        try {
          await this.runs.train(this.specPath);
        } catch (err) {
          this.notice('error', (err as Error).message);
        }
        return;
      case 'stop':
        if (!this.runs.stop(this.specPath)) this.notice('info', 'Nothing is training for this experiment.');
        return;
      default: {
        const never: never = m;
        return never;
      }
    }
  }

  private isKnownRun(runDir: string): boolean {
    return this.state.runs.some((r) => r.dir === runDir) || this.state.live?.runDir === runDir;
  }

  private async predictOne(input: Record<string, unknown>, runDir?: string): Promise<void> {
    const dir = runDir && this.isKnownRun(runDir) ? runDir : this.state.selectedRun;
    this.state.predictBusy = true;
    this.throttle.schedule();
    try {
      const result = await this.runs.predict(this.specPath, { runDir: dir, inputs: [input] });
      const p = result.predictions[0];
      const view = p ? predictionView(p) : undefined;
      this.state.predictResult = { runDir: result.runDir, input, output: view?.output, label: view?.label, confidence: view?.confidence };
    } catch (err) {
      this.state.predictResult = { runDir: dir ?? '', input, error: (err as Error).message };
    } finally {
      this.state.predictBusy = false;
      this.throttle.schedule();
    }
  }

  /** A grid over the two features' data range, in their original units, predicted by the run. */
  private async decisionBoundary(runDir: string, resolution: number): Promise<void> {
    if (!this.isKnownRun(runDir)) return;
    const s = this.state;
    const names = s.spec.features.filter((f) => f.kind === 'numeric').map((f) => f.column);
    const rows = s.predictions?.runDir === runDir ? s.predictions.validation.map((p) => p.input) : [];
    if (names.length !== 2 || s.spec.features.length !== 2) {
      s.boundaryStatus = 'A decision boundary needs exactly two numeric features.';
      this.throttle.schedule();
      return;
    }
    const [xName, yName] = names;
    const xr = featureRange(rows, xName);
    const yr = featureRange(rows, yName);
    if (!xr || !yr) {
      s.boundaryStatus = 'No validation rows with both features to take the range from.';
      this.throttle.schedule();
      return;
    }
    const n = Math.max(8, Math.min(60, Math.round(resolution)));
    const xs = linspace(xr, n);
    const ys = linspace(yr, n);
    s.boundaryStatus = 'computing';
    this.throttle.schedule();
    try {
      const result = await this.runs.predict(this.specPath, { runDir, inputs: gridInputs(xName, yName, xs, ys) });
      if (s.selectedRun !== runDir) return;
      s.boundary = boundaryFromPredictions(runDir, xName, yName, xs, ys, result.predictions.map(predictionView), result.classNames ?? s.spec.classNames);
      s.boundaryStatus = undefined;
    } catch (err) {
      s.boundaryStatus = `The decision boundary could not be computed: ${(err as Error).message}`;
    }
    this.throttle.schedule();
  }

  private async showImage(file: string): Promise<void> {
    const image = this.state.spec.image;
    if (!image) return;
    // Only images the dashboard itself listed (validation rows, predict inputs) are read: the webview is not trusted to name files.
    const listed = [...(this.state.predictions?.validation ?? []), ...(this.state.predictions?.predict ?? []), ...(this.state.autoencoder?.points ?? [])]
      .some((p) => p.input && Object.values(p.input).includes(file));
    if (!listed) return;
    const abs = path.resolve(path.dirname(this.specPath), file);
    // predictions.json comes with the repository: in a restricted workspace its paths must stay inside it.
    const root = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(this.specPath))?.uri.fsPath ?? path.dirname(this.specPath);
    if (!vscode.workspace.isTrusted && !isContained(root, abs)) {
      this.notice('error', `${file} is outside the workspace folder; images outside it are shown only in a trusted workspace`);
      return;
    }
    try {
      this.state.shownImage = { ...(await loadImage(abs, image)), path: file };
    } catch (err) {
      this.notice('error', (err as Error).message);
    }
    this.throttle.schedule();
  }

  private notice(level: 'info' | 'error', message: string): void {
    const m: HostToWebview = { type: 'notice', level, message };
    void this.panel.webview.postMessage(m);
  }

  private post(): void {
    if (!this.ready || this.disposed) return;
    const m: HostToWebview = { type: 'snapshot', snapshot: this.state.snapshot(vscode.workspace.isTrusted) };
    this.posted++;
    void this.panel.webview.postMessage(m);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.throttle.dispose();
    this.onDisposeEmitter.fire();
    this.onDisposeEmitter.dispose();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

/** A prediction as the dashboard shows it: a sequence task's text becomes the label (the protocol's output is numbers). */
export function predictionView(p: Prediction): PredictionView {
  if (typeof p.output !== 'string') return p as PredictionView;
  return { ...p, output: [], label: p.output };
}
