// "dlmodel: Export to PyTorch" in the editor: the same program `dlmodel export --to pytorch` writes (train.py,
// plan.json, the prepared data), beside the spec or in a folder given; a spec with problems is refused.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { api, run, until, useCpuBackend, workspaceRoot, writeCourseSpec, writeFile } from './editor-helpers';

const FILES = ['train.py', 'plan.json', 'preprocess.json', 'model-topology.json', 'initial-weights.bin', 'data/data.json', 'data/split.json', 'data/inputs.f32', 'data/targets.f32'];

describe('editor: Export to PyTorch', () => {
  before(async () => {
    await api();
    await useCpuBackend();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('writes train.py and its files beside the spec, where dlmodel export writes them', async () => {
    const spec = writeCourseSpec('export', 'exported', 3);
    const r = await run('dlmodel.exportPytorch', { specPath: spec, beside: true });
    assert.equal(r.ok, true, JSON.stringify(r));
    const script = r.ok ? r.detail ?? '' : '';
    assert.equal(script, join(dirname(spec), '.dlmodel', 'export', 'exported', 'train.py'));
    for (const f of FILES) assert.ok(existsSync(join(dirname(script), f)), f);
    const plan = JSON.parse(readFileSync(join(dirname(script), 'plan.json'), 'utf8')) as { format: string; epochs: number; layers: { name: string }[]; run: { specPath: string } };
    assert.equal(plan.format, 'dlmodel-pytorch-plan');
    assert.equal(plan.epochs, 3);
    assert.equal(plan.run.specPath, spec);
    assert.deepEqual(plan.layers.map((l) => l.name), ['dense_1', 'output']);
    assert.match(readFileSync(script, 'utf8'), /^#!\/usr\/bin\/env python3/);
  });

  it("exports the active editor's spec into a folder given, unsaved edits included", async () => {
    const spec = writeCourseSpec('export', 'edited', 3);
    const doc = await vscode.workspace.openTextDocument(spec);
    const editor = await vscode.window.showTextDocument(doc);
    const at = doc.getText().indexOf('"epochs": 3');
    await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(at), doc.positionAt(at + '"epochs": 3'.length)), '"epochs": 5'));
    const out = join(workspaceRoot(), 'export', 'elsewhere');
    const r = await run('dlmodel.exportPytorch', { outDir: out });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.ok && r.detail, join(out, 'train.py'));
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as { epochs: number };
    assert.equal(plan.epochs, 5, 'the spec was saved before exporting');
    assert.equal(doc.isDirty, false);
  });

  it('refuses a spec with problems, saying how many', async () => {
    const spec = writeFile('export/broken/broken.dlmodel.json', '{\n  "data": { "rows": [ { "x": 1, "y": 2 } ], "target": "y" },\n  "model": { "layers": [ { "type": "dense", "units": 2, "activation": "relux" } ] }\n}\n');
    const doc = await vscode.workspace.openTextDocument(spec);
    await vscode.window.showTextDocument(doc);
    await until('the relux diagnostic', () => vscode.languages.getDiagnostics(doc.uri).find((d) => d.source === 'dlmodel'));
    const r = await run('dlmodel.exportPytorch', { specPath: spec, beside: true });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /broken\.dlmodel\.json has 1 problem: fix it before exporting/);
    assert.equal(existsSync(join(dirname(spec), '.dlmodel')), false);
  });
});
