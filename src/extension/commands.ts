// Every dlmodel command, in ONE table: id -> handler. Handlers accept what lenses (a Uri), the sidebar
// (a tree node, plus the selection) and the palette (nothing: the active editor) give them. A command
// that makes no sense now says why, and returns that reason (tests read it) without waiting on the message.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { deleteRun, readRun, type RunInfo } from '../runs/folder';
import type { Row } from '../runs/types';
import { BACKENDS, type BackendName } from '../format/types';
import type { SpecDiagnostics } from './diagnostics';
import { formatRelative, predictionText, runDescription, summaryTable } from './format';
import type { InlineResults } from './inline-results';
import type { RunManager } from './runs/manager';
import * as settings from './settings';
import { isRunLike, isSpecLike } from './sidebar/nodes';
import type { ExperimentsTree } from './sidebar/tree';
import { findSpecs } from './sidebar/tree';
import { isSpecPath, predictInputs } from './spec-text';
import { computeSummary } from './summary';
import { sanitizeName, specFileName, TEMPLATES, templateFiles, type TemplateId, type TemplateOptions } from './templates';
import { needsTrustMessage, type TrustedAction } from './trust';
import { parse as parseJsonc } from 'jsonc-parser';

export interface Dashboard {
  open(specUri: vscode.Uri, runDir?: string): void;
  compare(specUri: vscode.Uri, runDirs: string[]): void;
}

export interface Services {
  runs: RunManager;
  log: vscode.LogOutputChannel;
  diagnostics: SpecDiagnostics;
  inline: InlineResults;
  tree: ExperimentsTree;
  dashboard?: Dashboard;
  summaryScheme: string;
}

/** What every command returns: done, or why not (also shown to the user). */
export type CommandResult = { ok: true; detail?: string } | { ok: false; reason: string };

type Handler = (s: Services, ...args: unknown[]) => Promise<CommandResult> | CommandResult;

const ok = (detail?: string): CommandResult => ({ ok: true, detail });

/** Shows why a command did nothing, without waiting for the user to dismiss it. */
function explain(reason: string, ...actions: { title: string; run: () => unknown }[]): CommandResult {
  void vscode.window.showInformationMessage(reason, ...actions.map((a) => a.title)).then((choice) => {
    actions.find((a) => a.title === choice)?.run();
  });
  return { ok: false, reason };
}

const NO_SPEC = 'Open a .dlmodel.json file first (or pick an experiment in the Experiments view).';

/** The spec a command is about: an explicit Uri/path/node, else the active editor's file. */
export function specFrom(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return isSpecPath(arg.fsPath) ? arg.fsPath : undefined;
  if (typeof arg === 'string') return isSpecPath(arg) ? path.resolve(arg) : undefined;
  if (isSpecLike(arg)) return arg.specPath;
  const doc = vscode.window.activeTextEditor?.document;
  return doc && doc.uri.scheme === 'file' && isSpecPath(doc.uri.fsPath) ? doc.uri.fsPath : undefined;
}

function ensureTrusted(action: TrustedAction): CommandResult | undefined {
  if (vscode.workspace.isTrusted) return undefined;
  return explain(needsTrustMessage(action), { title: 'Manage Workspace Trust', run: () => vscode.commands.executeCommand('workbench.trust.manage') });
}

/** The trainer reads the spec from disk: save it first so it trains what the user sees. */
async function saveIfDirty(specPath: string): Promise<void> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === specPath);
  if (doc?.isDirty) await doc.save();
}

function errorCount(specPath: string): number {
  return vscode.languages
    .getDiagnostics(vscode.Uri.file(specPath))
    .filter((d) => d.source === 'dlmodel' && d.severity === vscode.DiagnosticSeverity.Error).length;
}

async function runsOf(s: Services, specPath: string): Promise<RunInfo[]> {
  return s.runs.listRuns(specPath);
}

/** A run from a tree node, or picked from the runs of the current spec that pass `filter`. */
async function runFrom(s: Services, arg: unknown, filter: (r: RunInfo) => boolean, what: string): Promise<{ specPath: string; dir: string } | CommandResult> {
  if (isRunLike(arg)) return { specPath: arg.specPath, dir: arg.dir };
  const specPath = specFrom(arg);
  if (!specPath) return explain(NO_SPEC);
  const runs = (await runsOf(s, specPath)).filter(filter);
  if (!runs.length) return explain(`${path.basename(specPath)} has no run to ${what}.`);
  const pick = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: `${r.run.status} · ${formatRelative(r.run.startedAt)}`, description: runDescription(r.run), detail: r.dir, dir: r.dir })),
    { placeHolder: `Run to ${what}` },
  );
  if (!pick) return { ok: false, reason: 'cancelled' };
  return { specPath, dir: pick.dir };
}

const isResult = (v: unknown): v is CommandResult => typeof v === 'object' && v !== null && 'ok' in v;

// ---- the table -----------------------------------------------------------------------------------------

/**
 * What must hold before a spec is trained or exported: a trusted workspace, the editor's text saved, and no
 * problems in it. The result to return when it does not hold; undefined when it does.
 */
async function refuseUnready(s: Services, specPath: string, action: TrustedAction, doing: string): Promise<CommandResult | undefined> {
  const untrusted = ensureTrusted(action);
  if (untrusted) return untrusted;
  await saveIfDirty(specPath);
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === specPath);
  if (doc) await s.diagnostics.validate(doc);
  const errors = errorCount(specPath);
  if (errors === 0) return undefined;
  return explain(`${path.basename(specPath)} has ${errors} problem${errors === 1 ? '' : 's'}: fix ${errors === 1 ? 'it' : 'them'} before ${doing}.`, {
    title: 'Show Problems',
    run: () => vscode.commands.executeCommand('workbench.actions.view.problems'),
  });
}

export const COMMANDS = {
  'dlmodel.train': async (s: Services, arg?: unknown): Promise<CommandResult> => {
    const specPath = specFrom(arg);
    if (!specPath) return explain(NO_SPEC);
    const refused = await refuseUnready(s, specPath, 'Training', 'training');
    if (refused) return refused;
    // Every slot taken (or runs already waiting): this one waits in the queue.
    const busy = s.runs.active().length >= settings.maxConcurrentRuns();
    const running = s.runs.train(specPath);
    if (busy) {
      void vscode.window.showInformationMessage(`${path.basename(specPath)}: queued; it starts when the running training ends (dlmodel.maxConcurrentRuns = ${settings.maxConcurrentRuns()}).`);
    }
    await running;
    return ok();
  },

  'dlmodel.stop': (s: Services, arg?: unknown): CommandResult => {
    let specPath = specFrom(arg);
    const active = s.runs.active();
    if (!specPath && active.length === 1) specPath = active[0].specPath;
    if (!specPath) return explain(active.length ? 'Several runs are going: stop one from its file or from the Experiments view.' : 'Nothing is training: there is nothing to stop.');
    if (!s.runs.stop(specPath)) return explain(`${path.basename(specPath)} is not training: there is nothing to stop.`);
    return ok();
  },

  'dlmodel.predict': async (s: Services, arg?: unknown): Promise<CommandResult> => {
    const specPath = specFrom(arg);
    if (!specPath) return explain(NO_SPEC);
    const untrusted = ensureTrusted('Prediction');
    if (untrusted) return untrusted;
    const runDir = isRunLike(arg) ? arg.dir : undefined;
    const runs = await runsOf(s, specPath);
    // A named run (the sidebar) may be a stopped one: it keeps its model. Otherwise the latest completed run.
    const chosen = runDir ? runs.find((r) => r.dir === runDir) : runs.find((r) => r.run.status === 'completed');
    if (!chosen) {
      return explain(`${path.basename(specPath)} has no completed run yet: train it first, then predict.`, {
        title: 'Train',
        run: () => vscode.commands.executeCommand('dlmodel.train', vscode.Uri.file(specPath)),
      });
    }
    // Predict what the editor shows, even unsaved: the inputs go to the trainer with the job.
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === specPath) ?? (await vscode.workspace.openTextDocument(specPath));
    const text = doc.getText();
    const parsed = parseJsonc(text, [], { allowTrailingComma: true }) as { predict?: { inputs?: unknown; source?: unknown } } | undefined;
    const inputs = Array.isArray(parsed?.predict?.inputs) ? (parsed.predict.inputs as Row[]) : undefined;
    if (!inputs && typeof parsed?.predict?.source !== 'string') {
      return explain(`${path.basename(specPath)} has no "predict" block: add "predict": { "inputs": [ { ... } ] } with the values to predict.`);
    }
    let result;
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Predicting with ${path.basename(chosen.dir)}` },
        () => s.runs.predict(specPath, { runDir: chosen.dir, inputs }),
      );
    } catch (err) {
      const reason = `${path.basename(specPath)}: prediction failed: ${(err as Error).message}`;
      void vscode.window.showErrorMessage(reason, 'Open Log').then((c) => c && s.log.show(true));
      return { ok: false, reason };
    }
    const run = await readRun(result.runDir).catch(() => undefined);
    const runId = run?.id ?? path.basename(result.runDir);
    for (const p of result.predictions) s.log.info(`predict ${JSON.stringify(p.input)} ${predictionText(p)}`);
    if (inputs && settings.showInlinePredictions() && predictInputs(doc.getText()).length > 0) {
      s.inline.show(doc, result.predictions, { runId, runDir: result.runDir, classNames: result.classNames, target: run ? targetOf(run.spec.data.target) : undefined });
      const editor = vscode.window.visibleTextEditors.find((e) => e.document === doc);
      if (!editor) await vscode.window.showTextDocument(doc, { preview: false });
      return ok(result.predictions.map(predictionText).join('\n'));
    }
    const file = vscode.Uri.file(path.join(result.runDir, 'predictions.json'));
    void vscode.window.showInformationMessage(`${path.basename(specPath)}: ${result.predictions.length} predictions from run ${runId}.`, 'Open predictions.json', 'Open Dashboard').then((c) => {
      if (c === 'Open predictions.json') void vscode.window.showTextDocument(file);
      if (c === 'Open Dashboard') s.dashboard?.open(vscode.Uri.file(specPath), result.runDir);
    });
    return ok(result.predictions.map(predictionText).join('\n'));
  },

  /**
   * `dlmodel export --to pytorch` from the editor: train.py and its files beside the spec (as the command
   * line writes them) or in a folder the user picks. `{ specPath, outDir }` or `{ specPath, beside: true }`
   * skip the question.
   */
  'dlmodel.exportPytorch': async (s: Services, arg?: unknown): Promise<CommandResult> => {
    const given = (typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) ? arg : {}) as { specPath?: string; outDir?: string; beside?: boolean };
    const specPath = specFrom(given.specPath ?? arg);
    if (!specPath) return explain(NO_SPEC);
    const refused = await refuseUnready(s, specPath, 'Export to PyTorch', 'exporting');
    if (refused) return refused;
    let outDir = given.outDir;
    if (!outDir && !given.beside) {
      const beside = { label: 'Beside the experiment', detail: `.dlmodel/export/ next to ${path.basename(specPath)}, as dlmodel export writes it` };
      const pick = await vscode.window.showQuickPick([beside, { label: 'Choose a folder...', detail: 'an empty folder for train.py and its files' }], { placeHolder: 'Where should train.py go?' });
      if (!pick) return { ok: false, reason: 'cancelled' };
      if (pick !== beside) {
        const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, defaultUri: vscode.Uri.file(path.dirname(specPath)), openLabel: 'Export Here' });
        if (!chosen?.length) return { ok: false, reason: 'cancelled' };
        outDir = chosen[0].fsPath;
      }
    }
    let res;
    try {
      res = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Exporting ${path.basename(specPath)} to PyTorch` }, () =>
        s.runs.exportPytorch(specPath, outDir),
      );
    } catch (err) {
      const reason = `${path.basename(specPath)}: export failed: ${(err as Error).message}`;
      void vscode.window.showErrorMessage(reason, 'Open Log').then((c) => c && s.log.show(true));
      return { ok: false, reason };
    }
    s.log.info(`Exported ${specPath} to ${res.dir}: ${res.run}`);
    void vscode.window.showInformationMessage(`Exported to PyTorch: ${res.script}. Run it with: ${res.run}`, 'Open train.py', 'Copy Command').then((c) => {
      if (c === 'Open train.py') void vscode.window.showTextDocument(vscode.Uri.file(res.script));
      if (c === 'Copy Command') void vscode.env.clipboard.writeText(res.run);
    });
    return ok(res.script);
  },

  'dlmodel.showSummary': async (s: Services, arg?: unknown): Promise<CommandResult> => {
    const specPath = specFrom(arg);
    if (!specPath) return explain(NO_SPEC);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === specPath) ?? (await vscode.workspace.openTextDocument(specPath));
    const summary = await computeSummary(doc.uri, doc.getText());
    if (!summary.ok) {
      return explain(summary.reason, { title: 'Show Problems', run: () => vscode.commands.executeCommand('workbench.actions.view.problems') });
    }
    const uri = vscode.Uri.from({ scheme: s.summaryScheme, path: `${specPath}.summary.txt` });
    const shown = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(shown, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
    return ok(summaryTable(`Model summary: ${summary.name}`, summary.layers));
  },

  'dlmodel.openDashboard': (s: Services, arg?: unknown, runArg?: unknown): CommandResult => {
    const specPath = specFrom(arg);
    if (!specPath) return explain(NO_SPEC);
    if (!s.dashboard) return explain('The dashboard is not available in this build of dlmodel.');
    const runDir = isRunLike(arg) ? arg.dir : typeof runArg === 'string' ? runArg : undefined;
    s.dashboard.open(vscode.Uri.file(specPath), runDir);
    return ok();
  },

  'dlmodel.newExperiment': async (s: Services, arg?: unknown): Promise<CommandResult> => {
    const given = (typeof arg === 'object' && arg !== null && !(arg instanceof vscode.Uri) ? arg : {}) as { template?: TemplateId; folder?: vscode.Uri | string; name?: string; from?: string };
    const info = given.template
      ? TEMPLATES.find((t) => t.id === given.template)
      : await vscode.window.showQuickPick(TEMPLATES.map((t) => ({ ...t, label: t.label, detail: t.detail })), { placeHolder: 'Start a new experiment from', matchOnDetail: true });
    if (!info) return given.template ? explain(`No template "${given.template}"; there are: ${TEMPLATES.map((t) => t.id).join(', ')}.`) : { ok: false, reason: 'cancelled' };
    const folders = vscode.workspace.workspaceFolders ?? [];
    let folder: string | undefined =
      typeof given.folder === 'string' ? given.folder : given.folder?.fsPath ?? (arg instanceof vscode.Uri ? arg.fsPath : undefined);
    if (!folder) {
      if (folders.length === 0) return explain('Open a folder first: a new experiment is created inside the workspace.', { title: 'Open Folder', run: () => vscode.commands.executeCommand('workbench.action.files.openFolder') });
      if (folders.length === 1) folder = folders[0].uri.fsPath;
      else folder = (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Create the experiment in' }))?.uri.fsPath;
      if (!folder) return { ok: false, reason: 'cancelled' };
    }
    if (arg instanceof vscode.Uri && (await fs.stat(folder).then((st) => st.isFile(), () => false))) folder = path.dirname(folder);
    const opts: TemplateOptions = {};
    if (info.id === 'transfer') {
      const from = await pickTransferSource(s, given.from);
      if (isResult(from)) return from;
      folder = given.folder ? folder : path.dirname(from.specPath);
      opts.from = {
        runDir: path.relative(folder, from.dir),
        dataSource: from.source ? path.relative(folder, path.resolve(path.dirname(from.specPath), from.source)) : undefined,
        rows: from.rows,
        target: from.target,
        hiddenLayers: from.hiddenLayers,
        image: from.image,
      };
    }
    let name = given.name;
    if (!name) {
      name = await vscode.window.showInputBox({
        prompt: 'Experiment name (the file will be NAME.dlmodel.json)',
        value: await freeName(folder, info.defaultName),
        validateInput: (v) => (sanitizeName(v) ? undefined : 'Use letters, digits, dashes or underscores'),
      });
      if (!name) return { ok: false, reason: 'cancelled' };
    }
    name = sanitizeName(name);
    if (!name) return explain('The experiment needs a name made of letters, digits, dashes or underscores.');
    const files = templateFiles(info.id, name, opts);
    const specFile = path.join(folder, specFileName(name));
    // lstat: a link planted under that name (even one pointing nowhere) counts as taken, never written through.
    if (await fs.lstat(specFile).then(() => true, () => false)) return explain(`${specFileName(name)} already exists in ${folder}: choose another name.`);
    for (const f of files) {
      const target = path.join(folder, f.path);
      await fs.mkdir(path.dirname(target), { recursive: true });
      // Never overwrite a user's file (a data file with the same name stays as it is), nor write through a link.
      await fs.writeFile(target, f.content, { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    }
    await vscode.window.showTextDocument(vscode.Uri.file(specFile), { preview: false });
    s.tree.refresh();
    return ok(specFile);
  },

  'dlmodel.openRunFolder': async (s: Services, arg?: unknown): Promise<CommandResult> => {
    const run = await runFrom(s, arg, () => true, 'open');
    if (isResult(run)) return run;
    const uri = vscode.Uri.file(run.dir);
    if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
    else await vscode.commands.executeCommand('revealFileInOS', uri);
    return ok(run.dir);
  },

  'dlmodel.deleteRun': async (s: Services, arg?: unknown, second?: unknown): Promise<CommandResult> => {
    const run = await runFrom(s, arg, (r) => r.run.status !== 'running', 'delete');
    if (isResult(run)) return run;
    if (s.runs.active().some((a) => a.runDir === run.dir)) return explain('This run is still training: stop it first.');
    const confirmed = typeof second === 'object' && second !== null && (second as { confirmed?: unknown }).confirmed === true;
    if (!confirmed) {
      const answer = await vscode.window.showWarningMessage(
        `Delete run ${path.basename(run.dir)} of ${path.basename(run.specPath)}? Its folder (model, metrics, predictions) is removed.`,
        { modal: true },
        'Delete',
      );
      if (answer !== 'Delete') return { ok: false, reason: 'cancelled' };
    }
    try {
      await deleteRun(run.dir);
    } catch (err) {
      return explain((err as Error).message);
    }
    s.inline.clearRun(run.dir);
    s.tree.refresh();
    return ok(run.dir);
  },

  'dlmodel.compareRuns': async (s: Services, arg?: unknown, selection?: unknown): Promise<CommandResult> => {
    if (!s.dashboard) return explain('The dashboard is not available in this build of dlmodel.');
    const given = (typeof arg === 'object' && arg !== null && Array.isArray((arg as { runDirs?: unknown }).runDirs) ? arg : undefined) as { specPath: string; runDirs: string[] } | undefined;
    let specPath: string | undefined;
    let dirs: string[] = [];
    if (given) {
      specPath = given.specPath;
      dirs = given.runDirs;
    } else if (Array.isArray(selection) && selection.filter(isRunLike).length >= 2) {
      const runs = (selection as unknown[]).filter(isRunLike);
      specPath = runs[0].specPath;
      if (runs.some((r) => r.specPath !== specPath)) return explain('Compare runs of one experiment: the selected runs belong to different files.');
      dirs = runs.map((r) => r.dir);
    } else {
      specPath = specFrom(arg);
      if (!specPath) return explain(NO_SPEC);
      const runs = (await runsOf(s, specPath)).filter((r) => r.run.status !== 'running' || s.runs.active().some((a) => a.runDir === r.dir));
      if (runs.length < 2) return explain(`${path.basename(specPath)} has ${runs.length} run${runs.length === 1 ? '' : 's'}: comparing needs at least two.`);
      const picked = await vscode.window.showQuickPick(
        runs.map((r) => ({ label: `${r.run.status} · ${formatRelative(r.run.startedAt)}`, description: runDescription(r.run), dir: r.dir, picked: isRunLike(arg) && arg.dir === r.dir })),
        { canPickMany: true, placeHolder: 'Runs to compare (two or more)' },
      );
      if (!picked) return { ok: false, reason: 'cancelled' };
      dirs = picked.map((p) => p.dir);
    }
    if (!specPath) return explain(NO_SPEC);
    if (dirs.length < 2) return explain('Pick at least two runs to compare.');
    s.dashboard.compare(vscode.Uri.file(specPath), dirs);
    return ok(dirs.join('\n'));
  },

  'dlmodel.selectBackend': async (_s: Services, arg?: unknown): Promise<CommandResult> => {
    const current = settings.backend();
    const about: Record<BackendName, string> = {
      auto: 'the first that loads: torch (only with a GPU), cuda, webgpu, native, wasm, cpu',
      torch: 'PyTorch through Python (dlmodel.pythonPath): CUDA, Apple MPS or CPU',
      cuda: 'NVIDIA GPU through @tensorflow/tfjs-node-gpu (CUDA)',
      webgpu: 'a GPU through WebGPU (Dawn)',
      native: 'CPU through @tensorflow/tfjs-node (libtensorflow)',
      wasm: 'CPU through WebAssembly (SIMD), bundled',
      cpu: 'CPU in plain JavaScript, bundled: always loads, slowest',
    };
    let choice: BackendName | undefined;
    if (typeof arg === 'string') {
      if (!(BACKENDS as readonly string[]).includes(arg)) return explain(`No backend "${arg}"; choose one of ${BACKENDS.join(', ')}.`);
      choice = arg as BackendName;
    } else {
      const picked = await vscode.window.showQuickPick(
        BACKENDS.map((b) => ({ label: b, description: b === current ? '(current)' : '', detail: about[b], backend: b })),
        { placeHolder: `Training backend (now: ${current})` },
      );
      choice = picked?.backend;
    }
    if (!choice) return { ok: false, reason: 'cancelled' };
    await settings.setBackend(choice);
    return ok(choice);
  },

  'dlmodel.resume': async (s: Services, arg?: unknown): Promise<CommandResult> => {
    const resumable = (r: RunInfo) => r.run.status === 'stopped' || r.run.status === 'interrupted' || r.run.status === 'failed';
    if (isRunLike(arg) && arg.run && !resumable({ dir: arg.dir, run: arg.run })) {
      return explain(`Run ${arg.run.id} is ${arg.run.status}: only a stopped, interrupted or failed run can be resumed.`);
    }
    const run = await runFrom(s, arg, resumable, 'resume');
    if (isResult(run)) return run;
    const untrusted = ensureTrusted('Training');
    if (untrusted) return untrusted;
    await s.runs.train(run.specPath, { resume: run.dir });
    return ok(run.dir);
  },

  'dlmodel.showLog': (s: Services): CommandResult => {
    s.log.show(true);
    return ok();
  },

  'dlmodel.refreshExperiments': (s: Services): CommandResult => {
    s.tree.refresh();
    return ok();
  },
} satisfies Record<string, Handler>;

export type CommandId = keyof typeof COMMANDS;

export function registerCommands(s: Services): vscode.Disposable[] {
  return (Object.keys(COMMANDS) as CommandId[]).map((id) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await (COMMANDS[id] as Handler)(s, ...args);
      } catch (err) {
        const reason = `dlmodel: ${id.replace('dlmodel.', '')} failed: ${(err as Error).message}`;
        s.log.error(reason);
        void vscode.window.showErrorMessage(reason, 'Open Log').then((c) => c && s.log.show(true));
        return { ok: false, reason } satisfies CommandResult;
      }
    }),
  );
}

function targetOf(t: string | string[] | undefined): string[] {
  if (t === undefined) return [];
  return Array.isArray(t) ? t : [t];
}

async function freeName(folder: string, base: string): Promise<string> {
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (!(await fs.stat(path.join(folder, specFileName(name))).then(() => true, () => false))) return name;
  }
}

interface TransferSource {
  specPath: string;
  dir: string;
  source?: string;
  rows?: Record<string, unknown>[];
  target?: string | string[];
  hiddenLayers: number;
  image?: { width: number; height: number; channels: number };
}

/** A completed run to start a transfer-learning experiment from: given, or picked from the workspace. */
async function pickTransferSource(s: Services, given?: string): Promise<TransferSource | CommandResult> {
  const candidates: RunInfo[] = [];
  if (given) candidates.push({ dir: given, run: await readRun(given) });
  else for (const spec of await findSpecs()) candidates.push(...(await runsOf(s, spec)).filter((r) => r.run.status === 'completed'));
  if (!candidates.length) {
    return explain('Transfer learning starts from a trained model: train an experiment to completion first, then create this one.');
  }
  const chosen =
    candidates.length === 1 || given
      ? candidates[0]
      : (await vscode.window.showQuickPick(
          candidates.map((r) => ({ label: `${r.run.name} · ${formatRelative(r.run.startedAt)}`, description: runDescription(r.run), detail: r.dir, r })),
          { placeHolder: 'Start from the model of' },
        ))?.r;
  if (!chosen) return { ok: false, reason: 'cancelled' };
  const spec = chosen.run.spec;
  return {
    specPath: chosen.run.specPath,
    dir: chosen.dir,
    source: spec.data.source,
    rows: spec.data.rows,
    target: spec.data.target,
    hiddenLayers: spec.model.layers.length,
    image: spec.data.image,
  };
}
