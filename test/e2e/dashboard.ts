// Dashboard e2e in a real VS Code (code-server + chromium): open the dashboard of the course example
// (2 inputs, 2 hidden, 1 output), train from its Train button, and check inside the webview that
//  - the diagram has as many neurons and weight lines as the model (2+2+1 neurons, 2x2 + 2x1 weights),
//  - the loss curve grows epoch by epoch while training,
//  - after training the confusion matrix and the decision boundary (two features) are drawn;
// screenshots in a dark and a light theme; a window reload restores the dashboard with its data.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { openFile, runCommand, STEP_TIMEOUT_MS, webviewFrame } from '../harness/browser';
import type { E2EContext } from '../harness/e2e-context';

export const timeoutMs = 12 * 60_000;

const SPEC = 'course-gender.dlmodel.json';

async function dashboard(page: Page): Promise<FrameLocator> {
  const frame = webviewFrame(page);
  await frame.locator('svg.diagram').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  return frame;
}

async function counts(frame: FrameLocator): Promise<{ neurons: number; weights: number; units: number[]; weightCounts: number[] }> {
  const neurons = await frame.locator('svg.diagram circle.neuron').count();
  const weights = await frame.locator('svg.diagram line.weight').count();
  const units = (await frame.locator('svg.diagram g.layer.neurons').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-units'))))) as number[];
  const weightCounts = (await frame.locator('svg.diagram g.weights').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))))) as number[];
  return { neurons, weights, units, weightCounts };
}

/** Picks a colour theme through the palette, as a user would; waits for the webview to get its colours. */
async function setTheme(page: Page, label: string, kind: 'vscode-light' | 'vscode-dark'): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  const row = (text: RegExp) => page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: text }).first();
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible' });
  await input.fill('>Preferences: Color Theme');
  await row(/^Preferences: Color Theme/).click();
  await page.waitForTimeout(500);
  await input.fill(label);
  await row(new RegExp(`^${label}`)).click();
  await webviewFrame(page).locator(`body.${kind}`).waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
  await page.waitForTimeout(1000); // the charts redraw with the new theme's colours
}

export default async function dashboardE2E(ctx: E2EContext): Promise<void> {
  const folder = ctx.workspace(join(ctx.repoRoot, 'examples', 'course-gender'));
  // More epochs than the example, so the curves can be watched growing; the model stays 2-2-1.
  const specFile = join(folder, SPEC);
  writeFileSync(specFile, readFileSync(specFile, 'utf8').replace('"epochs": 100', '"epochs": 400'));

  const page = await ctx.openWorkbench(folder);
  await openFile(page, SPEC);
  await runCommand(page, 'View: Close Primary Side Bar'); // room for the dashboard beside the spec
  await runCommand(page, 'dlmodel: Open Dashboard');
  let frame = await dashboard(page);

  // Before training: the diagram drawn from the layer summary (or the latest earlier run's weights).
  const before = await counts(frame);
  ctx.log(`before training: ${before.neurons} neurons, ${before.weights} weights, layers ${before.units.join('-')}`);
  assert.deepEqual(before.units, [2, 2, 1]);
  assert.equal(before.neurons, 5);
  assert.equal(before.weights, 2 * 2 + 2 * 1);
  assert.match((await frame.locator('#param-total').textContent()) ?? '', /Learnable parameters: 9/);

  // Train from the dashboard and watch the loss curve grow.
  await frame.locator('#train').click();
  const seen: number[] = [];
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const status = (await frame.locator('#status').textContent()) ?? '';
    const epochs = Number(await frame.locator('#charts').getAttribute('data-epochs'));
    const training = /Training|Finished|Stopped|Failed/.test(status);
    if (training && (!seen.length || epochs !== seen[seen.length - 1])) seen.push(epochs);
    if (/Finished|Stopped|Failed/.test(status) && seen.length) break;
    if (seen.length === 3) await ctx.screenshot(page, 'dashboard-training');
    if (Date.now() > deadline) throw new Error(`training did not finish; status: ${status}`);
    await page.waitForTimeout(300);
  }
  ctx.log(`epochs seen while training: ${seen.join(', ')}`);
  const status = (await frame.locator('#status').textContent()) ?? '';
  assert.match(status, /Finished 400\/400/);
  assert.ok(seen.filter((n) => n > 0).length >= 3, `the curve grew in steps: ${seen.join(', ')}`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], 'epochs only grow');

  // Live weights: every line now has a sign, and the counts still match the model.
  const after = await counts(frame);
  assert.equal(after.neurons, 5);
  assert.equal(after.weights, 6);
  assert.equal(await frame.locator('svg.diagram line.weight.unknown').count(), 0);
  // Binary classification: confusion matrix, and the decision boundary over the two features.
  await frame.locator('#confusion-matrix').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const cells = (await frame.locator('#confusion-matrix td.cell').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))))) as number[];
  assert.equal(cells.length, 4);
  assert.ok(cells.reduce((a, b) => a + b, 0) > 0);
  await frame.locator('#boundary g.heatmap').waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
  const heat = await frame.locator('#boundary g.heatmap rect').count();
  assert.equal(heat, 40 * 40);
  // Hover a weight: its value shows in the tooltip.
  await frame.locator('svg.diagram line.weight').first().hover({ force: true });
  await runCommand(page, 'Notifications: Clear All Notifications');
  await ctx.screenshot(page, 'dashboard-first-theme');
  await setTheme(page, 'Dark Modern', 'vscode-dark');
  await ctx.screenshot(page, 'dashboard-dark');
  await frame.locator('#predictions').scrollIntoViewIfNeeded();
  await ctx.screenshot(page, 'dashboard-dark-predictions');
  await frame.locator('#network').scrollIntoViewIfNeeded();
  await setTheme(page, 'Light Modern', 'vscode-light');
  await ctx.screenshot(page, 'dashboard-light');

  // A window reload restores the dashboard with its data (the serializer and the webview's state).
  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench .part.editor').waitFor({ state: 'visible' });
  frame = await dashboard(page);
  await frame.locator('#confusion-matrix').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const restored = await counts(frame);
  assert.equal(restored.neurons, 5);
  assert.equal(restored.weights, 6);
  assert.equal(Number(await frame.locator('#charts').getAttribute('data-epochs')), 400);
  await ctx.screenshot(page, 'dashboard-restored');
}
