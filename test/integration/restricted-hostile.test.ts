// Restricted mode against a hostile repository (issue 14, cases 1 and 8): the workspace ships a run left `running`
// by a dead process, with `run.json.<pid>.tmp` links to a file outside the workspace for the extension host's
// pid (the temp name the old writer used) and a `metrics.jsonl` link too. The extension's clean-up of stale
// runs, the sidebar, the dashboard and a refresh must write nothing at all: no file outside the workspace
// changes, and the trap's own run folder stays byte for byte as shipped. Loaded only by
// `node out/test/harness/run-integration.js --restricted`.
import * as assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { DlmodelApi } from '../../src/extension/main';
import { api, run, until, workspaceRoot, writeFile } from './editor-helpers';

/** Every entry under `dir` (links not followed) with its size and mtime: equal listings mean nothing changed. */
function listing(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = lstatSync(p);
      if (e.isDirectory()) walk(p);
      out.push(`${relative(dir, p)} ${st.isSymbolicLink() ? 'link' : st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out.sort();
}

describe('restricted mode: a repository that ships symlinked temp files', () => {
  let a: DlmodelApi;
  let root: string;
  let outside: string;
  let runDir: string;
  let spec: string;
  const BAIT = '# the real ~/.bashrc\nexport PATH=$PATH\n';

  before(async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'run-integration --restricted must open the workspace untrusted');
    a = await api();
    root = workspaceRoot();
    // "Outside the workspace": a sibling folder of the workspace copy, standing for the user's home.
    outside = join(dirname(resolve(root)), `outside-${process.pid}`);
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, '.bashrc'), BAIT);
    writeFileSync(join(outside, 'notes.txt'), 'untouched\n');

    spec = writeFile('trap/trap.dlmodel.json', JSON.stringify({ data: { rows: [{ x: 1, y: 2 }, { x: 2, y: 4 }], target: 'y' }, model: { layers: [] } }, null, 2));
    runDir = join(root, 'trap', '.dlmodel', 'runs', 'trap', '20260101-000000-abc');
    mkdirSync(runDir, { recursive: true });
    // Above Linux's largest pid (4194304), so certainly not a live process.
    const dead = 4_194_305;
    const stale = {
      id: '20260101-000000-abc',
      name: 'trap',
      specPath: spec,
      spec: { data: { rows: [{ x: 1, y: 2 }], target: 'y' }, model: { layers: [] } },
      specHash: 'x',
      status: 'running',
      backend: 'cpu',
      startedAt: '2026-01-01T00:00:00.000Z',
      epochs: 3,
      epochsDone: 0,
      pid: dead,
    };
    writeFileSync(join(runDir, 'run.json'), JSON.stringify(stale, null, 2));
    // The old writer's temp name was run.json.<pid>.tmp, with the pid of the process listing the runs: this
    // extension host (and the trainers or command lines it could start, a few pids on).
    for (let pid = process.pid - 5; pid <= process.pid + 50; pid++) symlinkSync(join(outside, '.bashrc'), join(runDir, `run.json.${pid}.tmp`));
    symlinkSync(join(outside, 'notes.txt'), join(runDir, 'metrics.jsonl'));
    // And a run folder whose run.json is broken (issue 14, case 8): listed as unreadable, hiding nothing.
    mkdirSync(join(root, 'trap', '.dlmodel', 'runs', 'trap', 'broken'), { recursive: true });
    writeFileSync(join(root, 'trap', '.dlmodel', 'runs', 'trap', 'broken', 'run.json'), 'null');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('clean-up, sidebar, refresh and dashboard write nothing: no file outside the workspace changes', async () => {
    const outsideBefore = listing(outside);
    const trapBefore = listing(join(root, 'trap'));

    // The clean-up activation schedules (1.5 s after activating), run now that the trap is in place.
    await a.runs.reconcile([spec]);
    // The sidebar lists the run: shown as interrupted (from memory), nothing recorded.
    const nodes = await a.tree.getChildren({ kind: 'spec', specPath: spec });
    const runNode = nodes.find((n) => n.kind === 'run');
    assert.ok(runNode && runNode.kind === 'run', JSON.stringify(nodes));
    assert.equal(runNode.run.status, 'interrupted');
    const broken = nodes.find((n) => n.kind === 'unreadable');
    assert.ok(broken && broken.kind === 'unreadable' && broken.id === 'broken', JSON.stringify(nodes));
    assert.match(broken.error, /run\.json holds null/);
    assert.equal(a.tree.getTreeItem(broken).description, 'unreadable');
    const refreshed = await run('dlmodel.refreshExperiments');
    assert.equal(refreshed.ok, true, JSON.stringify(refreshed));
    const opened = await run('dlmodel.openDashboard', vscode.Uri.file(spec));
    assert.equal(opened.ok, true, JSON.stringify(opened));
    const panel = await until('the dashboard panel', () => a.dashboard.panels.get(resolve(spec)));
    await until('the dashboard lists the trap run', () => (panel.state.runs.length ? true : undefined), 30_000);
    assert.equal(panel.state.runs.length, 1, 'the readable run, despite the broken one');
    // Anything scheduled (the activation timer, watchers, the dashboard's reads) has had its turn.
    await new Promise((r) => setTimeout(r, 2500));

    assert.equal(readFileSync(join(outside, '.bashrc'), 'utf8'), BAIT, '~/.bashrc was overwritten through a planted link');
    assert.equal(readFileSync(join(outside, 'notes.txt'), 'utf8'), 'untouched\n');
    assert.deepEqual(listing(outside), outsideBefore, 'a file outside the workspace changed');
    assert.deepEqual(listing(join(root, 'trap')), trapBefore, 'the restricted workspace was written to');
    assert.equal(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).status, 'running', 'run.json recorded in a restricted workspace');
    assert.ok(statSync(join(outside, '.bashrc')).isFile());
  });
});
