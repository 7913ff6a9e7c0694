// The coach in the real editor: a run's insights as information diagnostics on the spec line they concern,
// their quick fix applied through VS Code's code action API, cleared once the spec changes; the Experiments
// sidebar marks an invalid spec with its first problem.
import * as assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { api, EXTENSION_ID, run, until, workspaceRoot, writeFile } from './editor-helpers';

const SPEC = (epochs: number) => `{
  // A network far too large for the rows it has: it overfits.
  "data": { "source": "diabetes.csv", "target": "progression" },
  "model": { "layers": [ { "type": "dense", "units": 128, "activation": "relu" }, { "type": "dense", "units": 128, "activation": "relu" } ] },
  "training": {
    "epochs": ${epochs},
    "batchSize": 16,
    "learningRate": 0.003,
    "seed": 42
  }
}
`;

describe('coach: insights in the editor', function () {
  this.timeout(240_000);
  let previousBackend: string | undefined;
  before(async () => {
    await api();
    const config = vscode.workspace.getConfiguration('dlmodel');
    previousBackend = config.get<string>('backend');
    await config.update('backend', 'wasm', vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await vscode.workspace.getConfiguration('dlmodel').update('backend', previousBackend, vscode.ConfigurationTarget.Global);
  });

  it('an overfitting run: an information diagnostic on "epochs"; its quick fix adds earlyStopping with restoreBestWeights', async () => {
    const a = await api();
    const repo = vscode.extensions.getExtension(EXTENSION_ID)?.extensionPath ?? '';
    const specPath = writeFile('coach/overfit.dlmodel.json', SPEC(30));
    copyFileSync(join(repo, 'examples', 'diabetes-overfit', 'diabetes.csv'), join(workspaceRoot(), 'coach', 'diabetes.csv'));
    const uri = vscode.Uri.file(specPath);
    const editor = await vscode.window.showTextDocument(uri);
    assert.deepEqual(await run('dlmodel.train', uri), { ok: true, detail: undefined });

    const diagnostic = await until('the overfitting insight', () =>
      vscode.languages.getDiagnostics(uri).find((d) => d.source === 'dlmodel coach' && d.code === 'overfitting'), 30_000);
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Information);
    assert.equal(editor.document.getText(diagnostic.range), '"epochs": 30');
    assert.match(diagnostic.message, /Overfitting from epoch \d+: the validation loss was lowest at epoch \d+ \(\d+\)/);
    assert.ok(a.insights.insightsOf(uri).some((i) => i.kind === 'overfitting'));

    const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range)) ?? [];
    const titles = actions.map((x) => x.title);
    const add = actions.find((x) => /restoreBestWeights/.test(x.title));
    assert.ok(add?.edit, `actions: ${titles.join(' | ')}`);
    assert.ok(titles.some((t) => /^Set epochs to \d+ \(the best epoch\)$/.test(t)), titles.join(' | '));
    assert.ok(await vscode.workspace.applyEdit(add.edit));
    const text = editor.document.getText();
    assert.match(text, /"earlyStopping": \{\s*"monitor": "val_loss",\s*"patience": \d+,\s*"restoreBestWeights": true\s*\}/);
    assert.match(text, /\/\/ A network far too large/);
    // The insight belonged to the spec as trained: the edited spec shows it no more.
    await until('the insight cleared', () => (vscode.languages.getDiagnostics(uri).some((d) => d.source === 'dlmodel coach') ? undefined : true), 10_000);
    await editor.document.save();
  });

  it('the sidebar marks a spec whose data has a typo, with the problem in its tooltip', async () => {
    const a = await api();
    const rows = Array.from({ length: 30 }, (_, i) => `${i === 11 ? 'three' : i % 7},${i % 5},${i % 2 ? 'a' : 'b'}`);
    writeFile('coach/typo.csv', ['x1,x2,y', ...rows].join('\n') + '\n');
    const specPath = writeFile('coach/typo.dlmodel.json', '{ "data": { "source": "typo.csv", "target": "y" }, "model": { "layers": [] } }\n');
    await a.tree.getChildren();
    const problem = a.tree.problemOf(specPath);
    assert.match(problem ?? '', /typo\.csv:13:1: column "x1" holds numbers, but line 13 of typo\.csv has "three"/);
    const item = a.tree.getTreeItem({ kind: 'spec', specPath });
    assert.match(String(item.description), /invalid/);
    assert.match(String(item.tooltip), /Not valid: typo\.csv:13/);
  });
});
