// The dashboard inside the real extension host: the command opens one panel per experiment (view type
// dlmodel.dashboard), the panel follows a training run live, and reads the finished run's folder.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DASHBOARD_VIEW_TYPE } from '../../src/protocol/webview';
import { api, run, until, useCpuBackend, waitForEvent, writeCourseSpec } from './editor-helpers';

function dashboardTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(DASHBOARD_VIEW_TYPE));
}

describe('dashboard: panel', () => {
  let specPath: string;

  before(async () => {
    await api();
    await useCpuBackend();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    specPath = writeCourseSpec('dashboard-it', 'dash-course', 4);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens a webview panel of view type dlmodel.dashboard from the command, one per experiment', async () => {
    const a = await api();
    const r = await run('dlmodel.openDashboard', vscode.Uri.file(specPath));
    assert.equal(r.ok, true, JSON.stringify(r));
    const tab = await until('a dashboard tab', () => dashboardTabs()[0]);
    assert.match(tab.label, /Dashboard: dash-course/);
    assert.ok(a.dashboard.panels.size === 1, 'one panel registered');
    // Opening again reveals the same panel.
    await run('dlmodel.openDashboard', vscode.Uri.file(specPath));
    assert.equal(dashboardTabs().length, 1);
    const panel = [...a.dashboard.panels.values()][0];
    // The webview said `ready` and got a snapshot with the layer summary: 2 inputs, 2 hidden, 1 output = 9.
    await until('a snapshot posted', () => (panel.posted > 0 ? true : undefined), 30_000);
    const snap = panel.state.snapshot(true);
    assert.equal(snap.layers.reduce((n, l) => n + l.params, 0), 9);
    assert.deepEqual(snap.layers.map((l) => l.derived ?? 'hidden'), ['input', 'hidden', 'output']);
  });

  it('follows a training run: curves per epoch, weights, then the finished run with predictions', async () => {
    const a = await api();
    const panel = [...a.dashboard.panels.values()][0];
    const finished = waitForEvent(a, specPath, (e) => e.event.type === 'finished' || e.event.type === 'failed', 120_000);
    const before = panel.posted;
    await run('dlmodel.train', vscode.Uri.file(specPath));
    const end = await finished;
    assert.equal(end.event.type, 'finished', JSON.stringify(end.event));
    await until('the finished run read back with predictions', () => {
      const s = panel.state.snapshot(true);
      return s.predictions && s.runs.length && s.live?.state === 'completed' ? s : undefined;
    }, 30_000);
    const s = panel.state.snapshot(true);
    assert.equal(s.curves[0].epochs.epoch.length, 4, 'one point per epoch');
    assert.ok(s.curves[0].epochs.val_loss?.every((v) => Number.isFinite(v)), 'a validation loss every epoch (NaN would mark a gap)');
    assert.ok(s.weights && s.weights.layers.length >= 2, 'weights of the run');
    assert.ok((s.predictions?.validation.length ?? 0) > 0, 'validation predictions');
    assert.equal(s.runs[0].status, 'completed');
    // Snapshots are throttled (at most ~10 per second), not one per event.
    assert.ok(panel.posted > before, 'snapshots were posted while training');
  });

  it('closes with its tab and opens again with the run read from disk', async () => {
    const a = await api();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await until('the panel disposed', () => (a.dashboard.panels.size === 0 ? true : undefined));
    await run('dlmodel.openDashboard', vscode.Uri.file(specPath));
    const panel = await until('a new panel', () => [...a.dashboard.panels.values()][0]);
    const s = await until('the run loaded from its folder', () => {
      const x = panel.state.snapshot(true);
      return x.runs.length && x.curves[0]?.epochs.epoch.length === 4 && x.predictions ? x : undefined;
    }, 30_000);
    assert.ok(s.weights && s.weights.layers.length >= 2, 'final weights read from model/weights.bin');
  });
});
