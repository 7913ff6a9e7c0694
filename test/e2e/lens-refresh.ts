// The code lenses survive another extension's code lens provider registering while the dashboard takes the
// focus (code-server + chromium). VS Code then redraws the spec's lenses from its cache as plain text and
// cancels the fresh request when the editor loses the focus; the lenses must come back, clickable, once the
// user focuses the spec again (test/harness/browser.ts waitForCodeLens does it through the editor's tab).
// The registration is the built-in merge-conflict extension's, toggled by its setting, 300 ms before the
// dashboard opens: the timing that left CI's scenarios with dead Train lenses.
// Screenshot: lens-refresh.png.
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFile, runCommand, STEP_TIMEOUT_MS, waitForCodeLens, webviewFrame } from '../harness/browser';
import type { E2EContext } from '../harness/e2e-context';

export default async function lensRefreshE2E(ctx: E2EContext): Promise<void> {
  const folder = ctx.workspace(join(ctx.repoRoot, 'test', 'fixtures', 'images-small'));
  rmSync(join(folder, '.dlmodel'), { recursive: true, force: true });
  const page = await ctx.openWorkbench(folder);
  await openFile(page, 'digits-small.dlmodel.json');
  await runCommand(page, 'View: Close Primary Side Bar');
  await waitForCodeLens(page, 'Train');

  // The workspace settings are JSON with comments: the key goes in after the opening brace.
  const settings = join(folder, '.vscode', 'settings.json');
  const original = readFileSync(settings, 'utf8');
  const mergeConflictLenses = (on: boolean) => writeFileSync(settings, original.replace('{', `{ "merge-conflict.codeLens.enabled": ${on},`));
  mergeConflictLenses(false);
  await page.waitForTimeout(1_500);
  mergeConflictLenses(true);
  await page.waitForTimeout(300);
  await runCommand(page, 'dlmodel: Open Dashboard');
  await webviewFrame(page).locator('svg.diagram').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page.waitForTimeout(2_000);
  const textOnly = await page.locator('.codelens-decoration > span', { hasText: 'Train' }).count();
  ctx.log(`lenses drawn as text only after the registration: ${textOnly}`);

  const lens = await waitForCodeLens(page, 'Train', 30_000);
  await ctx.screenshot(page, 'lens-refresh');
  assert.equal(await lens.getAttribute('aria-disabled'), null);
  // Inside the editor's box: refocusing did not scroll the text, and the lens with it, out of sight.
  const box = await lens.boundingBox();
  const editor = await page.locator('.editor-instance .monaco-editor').first().boundingBox();
  assert.ok(box && editor && box.y >= editor.y && box.y + box.height <= editor.y + editor.height, `lens at ${JSON.stringify(box)}, editor at ${JSON.stringify(editor)}`);
}
