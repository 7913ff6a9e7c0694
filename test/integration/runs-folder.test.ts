// `dlmodel.runsFolder` in a trusted workspace: training writes there, and everything that shows runs
// (the Experiments sidebar, the Predict lens, the dashboard) lists them from there, through the run service.
import * as assert from 'node:assert/strict';
import { join, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import { api, lensTitles, run, until, useCpuBackend, waitForEvent, workspaceRoot, writeCourseSpec } from './editor-helpers';

describe('runs folder setting (dlmodel.runsFolder)', function () {
  this.timeout(180_000);
  let specPath: string;
  let custom: string;

  before(async () => {
    await api();
    await useCpuBackend();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(vscode.workspace.isTrusted, true, 'this suite runs in a trusted workspace');
    await vscode.workspace.getConfiguration('dlmodel').update('runsFolder', 'elsewhere/runs', vscode.ConfigurationTarget.Workspace);
    custom = join(workspaceRoot(), 'elsewhere', 'runs');
    specPath = writeCourseSpec('runs-folder-it', 'rf-course', 2);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('dlmodel').update('runsFolder', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('trains into the runs folder; the sidebar, the Predict lens and the dashboard show the run', async () => {
    const a = await api();
    const uri = vscode.Uri.file(specPath);
    const finished = waitForEvent(a, specPath, (e) => e.event.type === 'finished' || e.event.type === 'failed', 150_000);
    assert.deepEqual(await run('dlmodel.train', uri), { ok: true, detail: undefined });
    const end = await finished;
    assert.equal(end.event.type, 'finished', JSON.stringify(end.event));
    const runDir = end.runDir ?? '';
    assert.ok(!relative(custom, runDir).startsWith('..'), `${runDir} is under ${custom}`);
    assert.equal(relative(custom, runDir).split(sep)[0], 'rf-course');

    // The sidebar lists it under the spec.
    const children = await until('the run in the sidebar', async () => {
      const c = await a.tree.getChildren({ kind: 'spec', specPath });
      return c.some((n) => n.kind === 'run') ? c : undefined;
    });
    const node = children.find((n) => n.kind === 'run');
    assert.equal(node?.kind === 'run' && node.dir, runDir);

    // The Predict lens knows there is a completed run to predict with.
    const titles = await until('the Predict lens', async () => {
      const t = await lensTitles(uri);
      return t.includes('$(run) Predict') ? t : undefined;
    });
    assert.ok(!titles.includes('Predict (train first)'));

    // The dashboard lists it and reads its curves.
    assert.equal((await run('dlmodel.openDashboard', uri)).ok, true);
    const panel = await until('a dashboard panel', () => [...a.dashboard.panels.values()][0]);
    const snap = await until('the run in the dashboard', () => {
      const s = panel.state.snapshot(true);
      return s.runs.length === 1 && s.curves[0]?.epochs.epoch.length === 2 ? s : undefined;
    }, 30_000);
    assert.equal(snap.runs[0].dir, runDir);
    assert.equal(snap.runs[0].learningRate, 0.05, 'the learning rate the run used, from its plan');
  });
});
