// The torch backend in a real VS Code: with `"dlmodel.backend": "torch"` the course example trains through
// Python and PyTorch from the dashboard's Train button; the dashboard draws its curves and its network
// diagram with live weights, the status names PyTorch, and Predict in the editor answers from the torch
// run's model (converted to TensorFlow.js). Skipped where no Python with PyTorch is found
// (DLMODEL_PYTHON, else python3). Screenshots: test-results/screenshots/torch-*.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFile, runCommand, STEP_TIMEOUT_MS, waitForCodeLens, webviewFrame } from '../harness/browser';
import type { E2EContext } from '../harness/e2e-context';

export const timeoutMs = 10 * 60_000;

const SPEC = 'course-gender.dlmodel.json';
const EPOCHS = 60;

export default async function torchBackend(ctx: E2EContext): Promise<void> {
  const python = process.env.DLMODEL_PYTHON || 'python3';
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'pipe', timeout: 120_000 });
  } catch {
    ctx.skip(`no PyTorch in ${python} (set DLMODEL_PYTHON)`);
  }
  const folder = ctx.workspace(join(ctx.repoRoot, 'examples', 'course-gender'));
  rmSync(join(folder, '.dlmodel'), { recursive: true, force: true });
  mkdirSync(join(folder, '.vscode'), { recursive: true });
  writeFileSync(join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'dlmodel.backend': 'torch' }, null, 2));
  const specFile = join(folder, SPEC);
  writeFileSync(specFile, readFileSync(specFile, 'utf8').replace('"epochs": 100', `"epochs": ${EPOCHS}`));

  const page = await ctx.openWorkbench(folder);
  await openFile(page, SPEC);
  await runCommand(page, 'View: Close Primary Side Bar');
  await runCommand(page, 'dlmodel: Open Dashboard');
  const frame = webviewFrame(page);
  await frame.locator('svg.diagram').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });

  await frame.locator('#train').click();
  const seen: number[] = [];
  const deadline = Date.now() + 6 * 60_000;
  for (;;) {
    const status = (await frame.locator('#status').textContent()) ?? '';
    const epochs = Number(await frame.locator('#charts').getAttribute('data-epochs'));
    if (/Training|Finished|Stopped|Failed/.test(status) && (!seen.length || epochs !== seen[seen.length - 1])) seen.push(epochs);
    if (/Finished|Stopped|Failed/.test(status) && seen.length) break;
    if (seen.length === 3) await ctx.screenshot(page, 'torch-dashboard-training');
    if (Date.now() > deadline) throw new Error(`training did not finish; status: ${status}`);
    await page.waitForTimeout(300);
  }
  const status = (await frame.locator('#status').textContent()) ?? '';
  ctx.log(`status: ${status}; epochs seen: ${seen.join(', ')}`);
  assert.match(status, new RegExp(`Finished ${EPOCHS}/${EPOCHS}`));
  assert.equal(Number(await frame.locator('#charts').getAttribute('data-epochs')), EPOCHS, 'the curves hold every epoch');
  // The network diagram with the torch run's weights: 2-2-1, every weight known.
  assert.equal(await frame.locator('svg.diagram circle.neuron').count(), 5);
  assert.equal(await frame.locator('svg.diagram line.weight').count(), 6);
  assert.equal(await frame.locator('svg.diagram line.weight.unknown').count(), 0);
  await frame.locator('#confusion-matrix').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const page_text = (await frame.locator('body').textContent()) ?? '';
  assert.match(page_text, /PyTorch|torch-cpu|torch-cuda/, 'the dashboard says it trained on PyTorch');
  await runCommand(page, 'Notifications: Clear All Notifications');
  await ctx.screenshot(page, 'torch-dashboard-finished');

  // Predict in the editor: the lens answers from the torch run (its model/ in TensorFlow.js format).
  await page.locator('.tabs-container .tab', { hasText: SPEC }).first().click();
  const predict = await waitForCodeLens(page, 'Predict', 60_000);
  await predict.click();
  let results: string[] = [];
  for (let i = 0; i < 120 && results.length < 2; i++) {
    await page.waitForTimeout(500);
    const texts = await page.evaluate(`(() => {
      const out = [];
      for (const el of document.querySelectorAll('.monaco-editor .view-lines span')) {
        const c = getComputedStyle(el, '::after').content;
        if (c && c !== 'none' && c.includes('->')) out.push(c.replace(/^"|"$/g, ''));
      }
      return out;
    })()`);
    results = Array.isArray(texts) ? texts.map(String) : [];
  }
  ctx.log(`inline results: ${results.join(' | ')}`);
  assert.equal(results.length, 2);
  for (const r of results) assert.match(r, /^-> (man|woman) \d+%$/i);
  await ctx.screenshot(page, 'torch-editor-predict');
}
