// Training from the editor, for real: trainer processes (dist/trainer.js) on the cpu backend. Train, the
// sidebar's runs, Predict with inline results, the queue, Stop mid-run, Resume, a trainer that crashes,
// run folder commands.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { TreeNode } from '../../src/extension/sidebar/nodes';
import { listRuns, readMetrics, readRun } from '../../src/runs/folder';
import { api, lensTitles, run, until, useCpuBackend, waitForEvent, writeCourseSpec } from './editor-helpers';

async function runNodes(specPath: string): Promise<Extract<TreeNode, { kind: 'run' }>[]> {
  const a = await api();
  const children = await a.tree.getChildren({ kind: 'spec', specPath });
  return children.filter((c): c is Extract<TreeNode, { kind: 'run' }> => c.kind === 'run');
}

describe('editor: training and prediction', function () {
  this.timeout(180_000);
  before(async () => {
    await api();
    await useCpuBackend();
    await vscode.workspace.getConfiguration('dlmodel').update('maxConcurrentRuns', 1, vscode.ConfigurationTarget.Global);
  });

  let trained: string;

  it('trains from the Train command: the run completes and shows in the sidebar with its metrics', async () => {
    const a = await api();
    trained = writeCourseSpec('runs', 'person', 4);
    const uri = vscode.Uri.file(trained);
    await vscode.window.showTextDocument(uri);
    const started = waitForEvent(a, trained, (e) => e.event.type === 'started');
    const training = run('dlmodel.train', uri);
    const s = await started;
    assert.equal(s.event.type === 'started' && s.event.params.trainable, 9);
    await until('the Stop lens', async () => ((await lensTitles(uri)).some((t) => t.includes('Stop (')) ? true : undefined), 30_000).catch(() => undefined);
    assert.deepEqual(await training, { ok: true, detail: undefined });
    const [info] = await listRuns(trained);
    assert.equal(info.run.status, 'completed');
    assert.equal(info.run.epochsDone, 4);
    assert.equal((await readMetrics(info.dir)).length, 4);
    const nodes = await runNodes(trained);
    assert.equal(nodes.length, 1);
    const item = a.tree.getTreeItem(nodes[0]);
    assert.match(String(item.label), /completed/);
    assert.match(String(item.description), /CPU.*loss \d\.\d{3}.*acc \d+%/);
    assert.equal(item.contextValue, 'dlmodel.run.completed');
    const groups = await a.tree.getChildren(nodes[0]);
    assert.deepEqual(groups.map((g) => g.kind), ['epochs', 'artifacts']);
    assert.equal((await a.tree.getChildren(groups[0])).length, 4);
    const files = (await a.tree.getChildren(groups[1])).map((f) => (f.kind === 'artifact' ? f.file : ''));
    for (const f of ['model/model.json', 'preprocess.json', 'run.json']) assert.ok(files.includes(f), `${f} not in ${files.join(', ')}`);
    assert.match(a.progress.lastAnnouncement?.text ?? '', /training completed after 4 epochs/);
    assert.match(a.status.text, /^\$\(chip\) CPU/);
    assert.match(a.status.tooltip, /cpu/);
  });

  it('Predict puts each result after its input line, tied to the run', async () => {
    const a = await api();
    const uri = vscode.Uri.file(trained);
    const titles = await lensTitles(uri);
    assert.ok(titles.includes('$(run) Predict'), titles.join(' | '));
    const r = await run('dlmodel.predict', uri);
    assert.equal(r.ok, true, JSON.stringify(r));
    const texts = a.inline.texts(uri);
    assert.equal(texts.length, 2, `inline results ${JSON.stringify(texts)}; predict returned ${JSON.stringify(r)}`);
    for (const t of texts) assert.match(t, /^-> (Man|Woman) \d+%$/);
    const [info] = await listRuns(trained);
    assert.equal(a.inline.runOf(uri), info.run.id);
    // Editing the inputs clears them; editing elsewhere does not.
    const editor = await vscode.window.showTextDocument(uri);
    const doc = editor.document;
    const desc = doc.getText().indexOf('"description"');
    await editor.edit((e) => e.insert(doc.positionAt(desc), ' '));
    assert.equal(a.inline.texts(uri).length, 2, `cleared by an edit outside the inputs: ${a.inline.lastClear}`);
    const w = doc.getText().indexOf('"weight": 85', doc.getText().indexOf('"predict"'));
    await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(w), doc.positionAt(w + 12)), '"weight": 86'));
    assert.equal(a.inline.texts(uri).length, 0);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('creates a transfer-learning experiment from the trained run', async () => {
    const [info] = await listRuns(trained);
    const folder = join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'runs');
    const r = await run('dlmodel.newExperiment', { template: 'transfer', from: info.dir, folder, name: 'person-tl' });
    assert.equal(r.ok, true, JSON.stringify(r));
    const doc = await vscode.workspace.openTextDocument(join(folder, 'person-tl.dlmodel.json'));
    const a = await api();
    await a.diagnostics.validate(doc);
    const errors = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    assert.deepEqual(errors.map((d) => d.message), []);
  });

  it('queues a second Train: runs start one after another', async () => {
    const a = await api();
    const first = writeCourseSpec('queue', 'first', 6);
    const second = writeCourseSpec('queue', 'second', 2);
    const order: string[] = [];
    const sub = a.runs.onEvent((e) => {
      if (e.event.type === 'started' || e.event.type === 'finished') order.push(`${e.event.type} ${e.specPath === first ? 'first' : 'second'}`);
    });
    const p1 = run('dlmodel.train', vscode.Uri.file(first));
    const p2 = run('dlmodel.train', vscode.Uri.file(second));
    await until('second queued', () => (a.runs.active().some((r) => r.specPath === second && r.state === 'queued') ? true : undefined));
    const queuedNodes = await a.tree.getChildren({ kind: 'spec', specPath: second });
    assert.equal(queuedNodes[0].kind, 'queued');
    const lenses = await lensTitles(vscode.Uri.file(second));
    assert.ok(lenses.some((t) => t.includes('Stop (queued)')), lenses.join(' | '));
    await Promise.all([p1, p2]);
    sub.dispose();
    assert.deepEqual(order, ['started first', 'finished first', 'started second', 'finished second']);
  });

  it('stops a run mid-training: status stopped, finished epochs kept; Resume continues from them', async () => {
    const a = await api();
    const spec = writeCourseSpec('stop', 'long', 5000, 4);
    const uri = vscode.Uri.file(spec);
    const training = run('dlmodel.train', uri);
    await waitForEvent(a, spec, (e) => e.event.type === 'epoch' && e.event.record.epoch >= 2);
    const titles = await lensTitles(uri);
    assert.ok(titles.some((t) => /Stop \(epoch \d+\/5000, loss \d/.test(t)), titles.join(' | '));
    assert.equal((await run('dlmodel.stop', uri)).ok, true);
    await training;
    const [info] = await listRuns(spec);
    assert.equal(info.run.status, 'stopped');
    const metrics = await readMetrics(info.dir);
    assert.ok(metrics.length >= 2, `${metrics.length} epochs kept`);
    assert.equal(info.run.epochsDone, metrics.length);
    assert.ok(existsSync(join(info.dir, 'model', 'model.json')), 'the model of a stopped run is kept');

    const [node] = await runNodes(spec);
    assert.equal(a.tree.getTreeItem(node).contextValue, 'dlmodel.run.stopped.resumable');
    const resumed = waitForEvent(a, spec, (e) => e.event.type === 'started');
    const resuming = run('dlmodel.resume', node);
    const s = await resumed;
    assert.ok(s.event.type === 'started' && s.event.initialEpoch >= metrics.length, `resumed at ${s.event.type === 'started' ? s.event.initialEpoch : '?'}`);
    await waitForEvent(a, spec, (e) => e.event.type === 'epoch');
    assert.equal((await run('dlmodel.stop', uri)).ok, true);
    await resuming;
  });

  it('a trainer that crashes: the run is failed and the user is told, with the log and the spec', async () => {
    const a = await api();
    const spec = writeCourseSpec('crash', 'crash', 5000, 4);
    const training = run('dlmodel.train', vscode.Uri.file(spec));
    const e = await waitForEvent(a, spec, (x) => x.event.type === 'epoch');
    const runDir = e.runDir!;
    const pid = (await readRun(runDir)).pid;
    assert.ok(pid, 'run.json records the trainer pid');
    process.kill(pid, 'SIGKILL');
    const failed = await waitForEvent(a, spec, (x) => x.event.type === 'failed');
    assert.ok(failed.event.type === 'failed' && failed.event.reason === 'crash');
    await training;
    const after = await readRun(runDir);
    assert.equal(after.status, 'failed');
    assert.match(after.error ?? '', /killed \(SIGKILL\)/);
    assert.ok((await readMetrics(runDir)).length >= 1, 'finished epochs are kept');
    assert.equal(a.progress.lastAnnouncement?.severity, 'error');
    assert.deepEqual(a.progress.lastAnnouncement?.actions, ['Open Log', 'Open Spec']);
    assert.equal(a.runs.active().length, 0);
  });

  it('run folder commands: reveal, compare, delete (confirmed), log, refresh', async () => {
    assert.equal((await run('dlmodel.train', vscode.Uri.file(trained))).ok, true);
    const nodes = await runNodes(trained);
    assert.equal(nodes.length, 2);
    assert.equal((await run('dlmodel.openRunFolder', nodes[0])).ok, true);
    const compare = await run('dlmodel.compareRuns', nodes[0], nodes);
    if (compare.ok) assert.equal(compare.detail, nodes.map((n) => n.dir).join('\n'));
    else assert.match(compare.reason, /dashboard is not available/);
    assert.equal((await run('dlmodel.showLog')).ok, true);
    assert.equal((await run('dlmodel.refreshExperiments')).ok, true);
    assert.equal((await run('dlmodel.deleteRun', nodes[0], { confirmed: true })).ok, true);
    assert.ok(!existsSync(nodes[0].dir));
    assert.equal((await runNodes(nodes[0].specPath)).length, nodes.length - 1);
  });

  it('the dashboard command opens for a run (or says it is unavailable)', async () => {
    const r = await run('dlmodel.openDashboard', vscode.Uri.file(trained));
    if (!r.ok) assert.match(r.reason, /dashboard is not available/);
    const text = readFileSync(trained, 'utf8');
    assert.ok(text.includes('"predict"'));
  });
});
