// The other kinds of learning on the dashboard, in a real VS Code (code-server + chromium), trained from
// the Train lens on the wasm backend (test/fixtures/kinds):
//  - an autoencoder on 60 small digits: the code-space scatter (live while training, then every row,
//    coloured by label), a click on a point shows that digit, the rows beside their reconstructions (two
//    pixel pictures each), the most unusual rows and the clusters' purity table;
//  - pseudo-labels on 600 digits of which 200 are labelled: the rounds chart (rows adopted per round and
//    the accuracy each round ended with).
// Screenshots: dashboard-kinds-codes.png, dashboard-kinds-reconstructions.png, dashboard-kinds-rounds.png.
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { openFile, runCommand, STEP_TIMEOUT_MS, waitForCodeLens, waitForStatus, webviewFrame } from '../harness/browser';
import type { E2EContext } from '../harness/e2e-context';

export const timeoutMs = 12 * 60_000;

async function trainFromLens(page: Page, spec: string): Promise<FrameLocator> {
  await openFile(page, spec);
  await waitForCodeLens(page, 'Train');
  await runCommand(page, 'dlmodel: Open Dashboard');
  const frame = webviewFrame(page);
  await frame.locator('svg.diagram').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  // The lenses may be drawn again when the dashboard opens beside the editor: look the lens up afresh.
  await (await waitForCodeLens(page, 'Train')).click();
  return frame;
}

export default async function dashboardKindsE2E(ctx: E2EContext): Promise<void> {
  const folder = ctx.workspace(join(ctx.repoRoot, 'test', 'fixtures', 'kinds'));
  rmSync(join(folder, '.dlmodel'), { recursive: true, force: true });
  const page = await ctx.openWorkbench(folder);
  await runCommand(page, 'View: Close Primary Side Bar');

  // ---- the autoencoder ----
  const frame = await trainFromLens(page, 'ae-digits.dlmodel.json');
  // While training, the code space appears after the first epoch (a live sample of rows).
  const scatter = frame.locator('#code-scatter svg circle.sample');
  await scatter.first().waitFor({ state: 'attached', timeout: 5 * 60_000 });
  const liveCaption = (await frame.locator('#code-caption').textContent()) ?? '';
  ctx.log(`code space: ${liveCaption}`);
  const status = await waitForStatus(page, frame, /Finished|Stopped|Failed/, 6 * 60_000);
  assert.match(status, /Finished 4\/4 epochs/);
  await frame.locator('#code-caption', { hasText: '60 rows' }).waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  assert.equal(await scatter.count(), 60, 'one point per digit');
  // Coloured by the label (the sub-folder): three colours for the digits 0, 3 and 7.
  const legend = (await frame.locator('#code-legend .legend-item').allTextContents()).map((t) => t.trim());
  assert.deepEqual(legend, ['0', '3', '7']);
  const classes = new Set(await scatter.evaluateAll((els) => els.map((e) => e.getAttribute('class'))));
  assert.ok(classes.size >= 3, `three label colours: ${[...classes].join(' / ')}`);
  // A click on a point shows that row's digit.
  await scatter.nth(10).click({ force: true });
  const picked = frame.locator('#code-picked');
  await picked.locator('svg.pixels').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const pickedHead = (await picked.locator('.picked-head').textContent()) ?? '';
  ctx.log(`picked: ${pickedHead}`);
  assert.match(pickedHead, /^Row \d+ · label (0|3|7) · cluster [012] · reconstruction error \d/);
  assert.equal(await picked.locator('rect.pixel').count(), 28 * 28);
  // The clusters scored against the label.
  const report = (await frame.locator('#cluster-report h3').textContent()) ?? '';
  assert.match(report, /^Clusters against the label: purity \d+(\.\d)?%$/);
  assert.equal(await frame.locator('#cluster-report tr').count(), 1 + 3, 'a header and one row per cluster');
  await runCommand(page, 'Notifications: Clear All Notifications');
  await frame.locator('#code-space').scrollIntoViewIfNeeded();
  await ctx.screenshot(page, 'dashboard-kinds-codes');

  // Reconstructions: each validation row beside its reconstruction, and the most unusual rows.
  const pairs = frame.locator('#reconstructions .recon');
  assert.ok((await pairs.count()) >= 1);
  assert.equal(await pairs.first().locator('svg.pixels').count(), 2, 'input and reconstruction');
  const reconOpacities = (await pairs.first().locator('figure').nth(1).locator('rect.pixel').evaluateAll((els) => els.map((e) => Number(e.getAttribute('fill-opacity'))))) as number[];
  assert.equal(reconOpacities.length, 28 * 28);
  assert.ok(Math.max(...reconOpacities) > 0.2, 'the reconstruction is not blank');
  const errors = (await frame.locator('#unusual-rows .recon-head').allTextContents()).map((t) => Number(/error ([\d.e-]+)/.exec(t)?.[1]));
  ctx.log(`most unusual errors: ${errors.join(', ')}`);
  assert.ok(errors.length >= 3);
  assert.deepEqual(errors, [...errors].sort((a, b) => b - a), 'most unusual first');
  await frame.locator('#reconstructions-card').scrollIntoViewIfNeeded();
  await ctx.screenshot(page, 'dashboard-kinds-reconstructions');

  // ---- pseudo-labels ----
  await runCommand(page, 'View: Close All Editors');
  const frame2 = await trainFromLens(page, 'pseudo.dlmodel.json');
  const status2 = await waitForStatus(page, frame2, /Finished|Stopped|Failed/, 6 * 60_000);
  assert.match(status2, /Finished 12\/12 epochs/, '4 epochs for the first fit and for each of 2 rounds');
  const bars = frame2.locator('#rounds-chart rect.bar.adopted');
  await bars.first().waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
  assert.equal(await bars.count(), 3, 'round 0 and two rounds of adoption');
  const labels = (await frame2.locator('#rounds-chart text.tick').allTextContents()).map((t) => t.trim());
  assert.deepEqual(labels, ['round 0', 'round 1', 'round 2']);
  const accuracy = (await frame2.locator('#rounds-chart text.accuracy-value').allTextContents()).map((t) => t.trim());
  ctx.log(`accuracy per round: ${accuracy.join(', ')}`);
  assert.equal(accuracy.length, 3, 'the accuracy each round ended with');
  await runCommand(page, 'Notifications: Clear All Notifications');
  await frame2.locator('#rounds').scrollIntoViewIfNeeded();
  await ctx.screenshot(page, 'dashboard-kinds-rounds');
}
