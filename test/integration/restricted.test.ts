// Restricted mode: the extension in an UNTRUSTED workspace, inside the real extension host. Loaded only by
// `node out/test/harness/run-integration.js --restricted`, which starts code-server with workspace trust
// enabled and never trusts the workspace copy (test/integration/index.ts picks restricted*.test.js then).
// What must hold (package.json capabilities.untrustedWorkspaces = limited): validation, summaries and viewing
// runs work; Train and Predict refuse, say that they need trust and offer "Manage Workspace Trust"; no trainer
// starts, no run folder is written, and nothing is ever loaded from the workspace.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import * as vscode from 'vscode';
import type { DlmodelApi } from '../../src/extension/main';
import { api, EXTENSION_ID, lensTitles, run, until, useCpuBackend, workspaceRoot, writeCourseSpec, writeFile } from './editor-helpers';

type Reason = { ok: false; reason: string };

/** Trainer processes (dist/trainer.js) whose parent is this extension host. */
function trainerChildren(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Field 4 (ppid) follows the command name in parentheses, which may itself hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (ppid === process.pid && cmd.includes('trainer.js')) found.push(`${pid}: ${cmd}`);
    } catch {
      // the process ended while being read
    }
  }
  return found;
}

/** Every file under `dir` with its size and mtime: equal listings mean nothing was written there. */
function listing(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${relative(dir, p)} ${statSync(p).size} ${statSync(p).mtimeMs}`);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Runs a command while recording the messages it shows (vscode.window.showInformationMessage, as every
 * "makes no sense now" reason) and answering them with `answer`; also records every run event.
 */
async function refusal(a: DlmodelApi, id: string, arg: unknown, answer?: string): Promise<{ result: Reason; shown: string[][]; events: string[] }> {
  const shown: string[][] = [];
  const events: string[] = [];
  const window = vscode.window as { showInformationMessage: (...args: unknown[]) => Thenable<unknown> };
  const original = window.showInformationMessage;
  window.showInformationMessage = (...args: unknown[]) => {
    shown.push(args.filter((x): x is string => typeof x === 'string'));
    return Promise.resolve(answer);
  };
  const subs = [
    a.runs.onEvent((e) => events.push(`event ${e.event.type} ${e.specPath}`)),
    a.runs.onTrainingUpdate((u) => events.push(`update ${u.phase} ${u.specPath}`)),
    a.runs.onDidChangeActive(() => events.push('active changed')),
  ];
  try {
    const result = await run(id, arg);
    assert.equal(result.ok, false, `${id} ran in an untrusted workspace: ${JSON.stringify(result)}`);
    // Anything the command started would have announced itself by now.
    await new Promise((r) => setTimeout(r, 1000));
    return { result: result as Reason, shown, events };
  } finally {
    window.showInformationMessage = original;
    for (const s of subs) s.dispose();
  }
}

function assertAsksForTrust(what: string, r: { result: Reason; shown: string[][] }): void {
  assert.match(r.result.reason, new RegExp(`^${what} needs a trusted workspace`), r.result.reason);
  assert.match(r.result.reason, /Validation, summaries and viewing runs work without trust/);
  assert.deepEqual(r.shown, [[r.result.reason, 'Manage Workspace Trust']], 'the message and its one action');
}

describe('restricted mode (untrusted workspace)', () => {
  let a: DlmodelApi;
  let root: string;
  /** A spec with a completed run made beforehand (by the command line, as when the folder was trusted). */
  let flowers: string;
  let runsDir: string;
  const marker = () => join(root, 'LOADED-FROM-WORKSPACE');

  before(async () => {
    // First of all: the pass is worthless if the workspace is trusted.
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace is trusted: run-integration --restricted must open it untrusted');
    a = await api();
    await useCpuBackend();
    root = workspaceRoot();
    // Bait: modules in the workspace that leave a marker if anything loads them, and workspace settings that
    // would point the extension at them (nativeBackendPath is machine-scoped) and move the runs (runsFolder is
    // a restricted setting). progressIntervalMs, an ordinary setting, shows when the file has been read.
    const bait = `require('fs').writeFileSync(${JSON.stringify(marker())}, __filename); module.exports = {};\n`;
    for (const base of [root, join(root, 'planted')]) {
      writeFile(relative(root, join(base, 'node_modules/@tensorflow/tfjs-node/package.json')), '{ "name": "@tensorflow/tfjs-node", "main": "index.js" }\n');
      writeFile(relative(root, join(base, 'node_modules/@tensorflow/tfjs-node/index.js')), bait);
      writeFile(relative(root, join(base, 'node_modules/@tensorflow/tfjs-node-gpu/package.json')), '{ "name": "@tensorflow/tfjs-node-gpu", "main": "index.js" }\n');
      writeFile(relative(root, join(base, 'node_modules/@tensorflow/tfjs-node-gpu/index.js')), bait);
    }
    writeFile(
      '.vscode/settings.json',
      JSON.stringify({ 'dlmodel.runsFolder': 'custom-runs', 'dlmodel.nativeBackendPath': join(root, 'planted'), 'dlmodel.progressIntervalMs': 333 }, null, 2),
    );
    await until('the workspace settings read', () => (vscode.workspace.getConfiguration('dlmodel').get('progressIntervalMs') === 333 ? true : undefined), 30_000);

    flowers = join(root, 'flowers.dlmodel.json');
    const cli = join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    const out = execFileSync(process.execPath, [cli, 'train', flowers, '--backend', 'cpu', '--epochs', '2', '--json'], {
      cwd: root,
      encoding: 'utf8',
      // Its progress on stderr is not this suite's output; a failure shows it (execFileSync's error).
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      timeout: 90_000,
    });
    const last = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { status?: string; runDir?: string };
    assert.equal(last.status, 'completed', out);
    runsDir = join(root, '.dlmodel');
    assert.ok(last.runDir && resolve(last.runDir).startsWith(runsDir + sep), `run folder ${last.runDir}`);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('the workspace is untrusted and the extension is active in it (limited support)', () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
    // A restricted setting from the workspace is not applied.
    assert.notEqual(vscode.workspace.getConfiguration('dlmodel').get('runsFolder'), 'custom-runs');
  });

  it('validates: the broken fixture gets its diagnostic on "relux"', async () => {
    const doc = await vscode.workspace.openTextDocument(join(root, 'broken.dlmodel.json'));
    await vscode.window.showTextDocument(doc);
    const d = await until('diagnostics on broken.dlmodel.json', () => {
      const x = vscode.languages.getDiagnostics(doc.uri).filter((p) => p.source === 'dlmodel');
      return x.length ? x : undefined;
    });
    const relux = d.find((p) => doc.getText(p.range) === '"relux"');
    assert.ok(relux, d.map((p) => `${doc.getText(p.range)}: ${p.message}`).join(' | '));
    assert.equal(relux.severity, vscode.DiagnosticSeverity.Error);
    assert.match(relux.message, /did you mean "relu"/);
  });

  it('validates: a data file outside the workspace is refused until the workspace is trusted', async () => {
    const spec = writeFile('outside/outside.dlmodel.json', '{\n  "data": { "source": "../../elsewhere.csv", "target": "y" },\n  "model": { "layers": [] }\n}\n');
    const doc = await vscode.workspace.openTextDocument(spec);
    await vscode.window.showTextDocument(doc);
    const d = await until('the outside-the-workspace problem', () =>
      vscode.languages.getDiagnostics(doc.uri).find((p) => p.source === 'dlmodel' && /outside the workspace folder/.test(p.message)),
    );
    assert.equal(doc.getText(d.range), '"../../elsewhere.csv"');
    assert.match(d.message, /only in a trusted workspace/);
  });

  it('summarizes: the Summary lens and the Summary command', async () => {
    const uri = vscode.Uri.file(writeCourseSpec('restricted', 'summary', 2));
    await vscode.window.showTextDocument(uri);
    const titles = await until('the summary lens', async () => {
      const t = await lensTitles(uri);
      return t.some((x) => x.startsWith('Summary (')) ? t : undefined;
    });
    assert.ok(titles.includes('Summary (9 params, 3 layers)'), titles.join(' | '));
    const r = await run('dlmodel.showSummary', uri);
    assert.equal(r.ok, true, JSON.stringify(r));
    const doc = await until('the summary document', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'dlmodel-summary' && d.uri.path.includes('summary.dlmodel.json')),
    );
    assert.match(doc.getText(), /Learnable parameters: 9/);
  });

  it('Train refuses: names trust, offers Manage Workspace Trust; no trainer, no run folder, nothing queued', async () => {
    const spec = writeCourseSpec('restricted', 'train', 2);
    const r = await refusal(a, 'dlmodel.train', vscode.Uri.file(spec));
    assertAsksForTrust('Training', r);
    assert.deepEqual(r.events, [], 'run events');
    assert.deepEqual(a.runs.active(), []);
    assert.equal(a.runs.isActive(spec), false);
    assert.deepEqual(trainerChildren(), []);
    assert.equal(existsSync(join(root, 'restricted', '.dlmodel')), false, 'a run folder was written beside the spec');
    assert.equal(existsSync(join(root, 'custom-runs')), false, 'a run folder was written under the workspace runsFolder');
  });

  it('Export to PyTorch refuses: names trust; no trainer, no program written', async () => {
    const spec = writeCourseSpec('restricted', 'export', 2);
    const r = await refusal(a, 'dlmodel.exportPytorch', { specPath: spec, beside: true });
    assertAsksForTrust('Export to PyTorch', r);
    assert.deepEqual(r.events, [], 'run events');
    assert.deepEqual(trainerChildren(), []);
    assert.equal(existsSync(join(root, 'restricted', '.dlmodel')), false, 'an export folder was written beside the spec');
  });

  it('Predict refuses even with a completed run: names trust; no trainer, nothing written', async () => {
    const before = listing(runsDir);
    assert.ok(before.some((f) => f.includes('model.json')), 'the completed run has its model');
    const r = await refusal(a, 'dlmodel.predict', vscode.Uri.file(flowers));
    assertAsksForTrust('Prediction', r);
    // From the sidebar, with the run named.
    const [runNode] = (await a.tree.getChildren({ kind: 'spec', specPath: flowers })).filter((n) => n.kind === 'run');
    assert.ok(runNode, 'the sidebar lists the run');
    const fromTree = await refusal(a, 'dlmodel.predict', runNode);
    assertAsksForTrust('Prediction', fromTree);
    assert.deepEqual([...r.events, ...fromTree.events], [], 'run events');
    assert.deepEqual(a.runs.active(), []);
    assert.deepEqual(trainerChildren(), []);
    assert.deepEqual(listing(runsDir), before, 'the runs folder changed');
  });

  it('"Manage Workspace Trust" opens the Workspace Trust editor', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const r = await refusal(a, 'dlmodel.train', vscode.Uri.file(flowers), 'Manage Workspace Trust');
    assertAsksForTrust('Training', r);
    const tab = await until('the Workspace Trust tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => /Workspace Trust/.test(t.label)));
    assert.ok(tab);
    assert.equal(vscode.workspace.isTrusted, false, 'showing the editor trusts nothing');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('views runs: the sidebar and the dashboard read the run made beforehand', async () => {
    const nodes = await a.tree.getChildren({ kind: 'spec', specPath: flowers });
    const runs = nodes.filter((n) => n.kind === 'run');
    assert.equal(runs.length, 1, JSON.stringify(nodes));
    const r = await run('dlmodel.openDashboard', vscode.Uri.file(flowers));
    assert.equal(r.ok, true, JSON.stringify(r));
    const panel = await until('the dashboard panel', () => a.dashboard.panels.get(resolve(flowers)));
    await until('a snapshot posted', () => (panel.posted > 0 ? true : undefined), 30_000);
    const s = await until('the run read from its folder', () => {
      const x = panel.state.snapshot(false);
      return x.runs.length && x.curves[0]?.epochs.epoch.length === 2 ? x : undefined;
    }, 30_000);
    assert.equal(s.runs[0].status, 'completed');
    assert.equal(s.runs.length, 1);
  });

  it("the dashboard's own Train, decision boundary and predict form refuse too, and start no trainer", async () => {
    const panel = await until('the dashboard panel', () => a.dashboard.panels.get(resolve(flowers)));
    const runDir = panel.state.runs[0]?.dir;
    assert.ok(runDir, 'the dashboard lists the run');
    const before = listing(runsDir);
    await panel.handleMessage({ type: 'train' });
    assert.deepEqual(a.runs.active(), []);
    await panel.handleMessage({ type: 'requestDecisionBoundary', runDir, resolution: 12 });
    assert.match(panel.state.boundaryStatus ?? '', /Prediction needs a trusted workspace/);
    await panel.handleMessage({ type: 'predict', runDir, input: { petal_length: 1.4, petal_width: 0.2 } });
    assert.match(panel.state.predictResult?.error ?? '', /Prediction needs a trusted workspace/);
    assert.deepEqual(trainerChildren(), []);
    assert.deepEqual(listing(runsDir), before, 'the runs folder changed');
  });

  it('loads nothing from the workspace and starts no trainer at all', () => {
    assert.equal(existsSync(marker()), false, existsSync(marker()) ? `loaded: ${readFileSync(marker(), 'utf8')}` : '');
    const fromWorkspace = Object.keys(require.cache).filter((k) => k.startsWith(root + sep));
    assert.deepEqual(fromWorkspace, [], 'modules loaded from the workspace');
    assert.deepEqual(trainerChildren(), []);
    assert.deepEqual(a.runs.active(), []);
    assert.equal(existsSync(join(root, 'custom-runs')), false);
  });
});
