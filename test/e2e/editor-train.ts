// Editor e2e: a user opens the course example, clicks Train, watches the progress and the live Stop lens,
// sees the finished run in the Experiments sidebar with its final metrics, clicks Predict and reads the
// result next to each input line. Screenshots of each step go to test-results/screenshots/editor-train-*.
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openFile, waitForCodeLens } from '../harness/browser';
import type { E2EContext } from '../harness/e2e-context';

export const timeoutMs = 8 * 60_000;

/** Texts of after-line decorations (rendered as CSS ::after content, not DOM text) in the visible editor. */
async function inlineResults(page: Page): Promise<string[]> {
  // Runs in the page; a string keeps DOM types out of this Node-side file.
  const texts = await page.evaluate(`(() => {
    const out = [];
    for (const el of document.querySelectorAll('.monaco-editor .view-lines span')) {
      const c = getComputedStyle(el, '::after').content;
      if (c && c !== 'none' && c.includes('->')) out.push(c.replace(/^"|"$/g, ''));
    }
    return out;
  })()`);
  return Array.isArray(texts) ? texts.map(String) : [];
}

export default async function editorTrain(ctx: E2EContext): Promise<void> {
  const folder = ctx.workspace(join(ctx.repoRoot, 'examples', 'course-gender'));
  // Runs made in the example folder by earlier command-line use are not part of the example.
  rmSync(join(folder, '.dlmodel'), { recursive: true, force: true });
  // The pure-JS backend loads everywhere; slow enough on the course network for the live lens to show.
  mkdirSync(join(folder, '.vscode'), { recursive: true });
  writeFileSync(join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'dlmodel.backend': 'cpu' }, null, 2));

  const page = await ctx.openWorkbench(folder);
  await openFile(page, 'course-gender.dlmodel.json');
  const train = await waitForCodeLens(page, 'Train');
  await waitForCodeLens(page, 'Summary (9 params, 3 layers)');
  await waitForCodeLens(page, 'Predict (train first)');
  await ctx.screenshot(page, 'editor-train-1-lenses');

  // 2. Train: the progress notification and the live Stop lens.
  await train.click();
  const stop = await waitForCodeLens(page, 'Stop (epoch', 120_000);
  ctx.log(`live lens: ${await stop.textContent()}`);
  await page.locator('.notifications-toasts .notification-toast', { hasText: 'Training course-gender' }).first().waitFor({ state: 'visible' });
  await ctx.screenshot(page, 'editor-train-2-training');

  // 3. Completion: the Stop lens goes, the message says so, Predict is ready.
  await page.locator('.notifications-toasts', { hasText: 'training completed after' }).first().waitFor({ state: 'visible', timeout: 240_000 });
  await waitForCodeLens(page, 'Predict', 30_000);
  await page.locator('.codelens-decoration a', { hasText: 'Stop (' }).waitFor({ state: 'detached', timeout: 30_000 });
  await ctx.screenshot(page, 'editor-train-3-completed');

  // 4. The run in the Experiments sidebar, with its final metrics.
  await page.locator('.activitybar .action-item a[aria-label^="dlmodel"]').first().click();
  const sidebar = page.locator('.part.sidebar');
  const specRow = sidebar.locator('.monaco-list-row', { hasText: 'course-gender' }).first();
  await specRow.waitFor({ state: 'visible' });
  // A click on the label opens the spec; the twistie expands it.
  if ((await specRow.getAttribute('aria-expanded')) !== 'true') await specRow.locator('.monaco-tl-twistie').click();
  const runRow = sidebar.locator('.monaco-list-row', { hasText: 'completed' }).first();
  await runRow.waitFor({ state: 'visible' });
  const runText = (await runRow.textContent()) ?? '';
  ctx.log(`sidebar run: ${runText}`);
  assert.match(runText, /completed/);
  assert.match(runText, /loss \d\.\d{3}/);
  assert.match(runText, /acc \d+%/);
  await ctx.screenshot(page, 'editor-train-4-sidebar');

  // 5. Predict: the result after each input line.
  await page.locator('.tabs-container .tab', { hasText: 'course-gender.dlmodel.json' }).first().click();
  const predict = await waitForCodeLens(page, 'Predict');
  await predict.click();
  let results: string[] = [];
  for (let i = 0; i < 120 && results.length < 2; i++) {
    await page.waitForTimeout(500);
    results = await inlineResults(page);
  }
  ctx.log(`inline results: ${results.join(' | ')}`);
  assert.equal(results.length, 2, `inline results: ${results.join(' | ')}`);
  for (const r of results) assert.match(r, /^-> (man|woman) \d+%$/i);
  await ctx.screenshot(page, 'editor-train-5-predict');

  // 6. The hover on an input: every class probability and the run that answered.
  await page.locator('.monaco-editor .view-line', { hasText: '"height": 162' }).first().locator('span', { hasText: 'height' }).first().hover();
  const hover = page.locator('.monaco-hover', { hasText: 'probability' }).first();
  await hover.waitFor({ state: 'visible', timeout: 30_000 });
  const hoverText = (await hover.textContent()) ?? '';
  ctx.log(`hover: ${hoverText}`);
  assert.match(hoverText, /man/i);
  assert.match(hoverText, /run/);
  await ctx.screenshot(page, 'editor-train-6-hover');
}
