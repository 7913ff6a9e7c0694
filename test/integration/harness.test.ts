// Checks the harness itself: the suite runs in a real extension host, in a copy of the fixture workspace.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

describe('harness', () => {
  it('runs inside VS Code with a copy of the fixture workspace open', async () => {
    assert.match(vscode.version, /^1\.\d+\.\d+/);
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1, 'exactly one workspace folder is open');
    assert.ok(!folders[0].uri.fsPath.includes('/test/fixtures/'), `tests must run in a copy, not ${folders[0].uri.fsPath}`);
    const names = (await vscode.workspace.findFiles('*.dlmodel.json')).map((u) => u.path.split('/').pop());
    assert.ok(names.includes('broken.dlmodel.json'), `workspace holds ${names.join(', ')}`);
    assert.ok(names.includes('flowers.dlmodel.json'), `workspace holds ${names.join(', ')}`);
  });
});
