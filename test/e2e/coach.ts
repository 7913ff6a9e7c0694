// The training coach e2e: a learner trains the diabetes example (a network far too large for 353 rows),
// and the editor says "Overfitting" as an information diagnostic on the `epochs` line; the quick fix adds
// earlyStopping with restoreBestWeights; the next run keeps the best epoch and scores better. The
// dashboard shows the baseline, the insights and "What the network sees". Screenshots: coach-*.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openFile, openProblems, runCommand, STEP_TIMEOUT_MS, waitForCodeLens, waitForProblem, webviewFrame } from '../harness/browser';
import type { E2EContext } from '../harness/e2e-context';

export const timeoutMs = 10 * 60_000;

const SPEC = 'diabetes-overfit.dlmodel.json';

interface RunJsonLite {
  status: string;
  finalMetrics?: Record<string, number>;
  restoredEpoch?: number;
  insights?: { kind: string }[];
}

async function trainAndWait(page: Page, specDir: string, count: number): Promise<RunJsonLite> {
  await runCommand(page, 'Notifications: Clear All Notifications');
  // The lenses sit on the first line: bring it into view.
  await page.locator('.tabs-container .tab', { hasText: SPEC }).first().click();
  await page.keyboard.press('Control+Home');
  const train = await waitForCodeLens(page, 'Train');
  await train.click();
  await page.locator('.notifications-toasts', { hasText: 'training completed after' }).first().waitFor({ state: 'visible', timeout: 300_000 });
  const { readdirSync } = await import('node:fs');
  const root = join(specDir, '.dlmodel', 'runs', 'diabetes-overfit');
  for (let i = 0; i < 240; i++) {
    const runs = existsSync(root) ? readdirSync(root).sort() : [];
    if (runs.length >= count) {
      const run = JSON.parse(readFileSync(join(root, runs[count - 1], 'run.json'), 'utf8')) as RunJsonLite;
      if (run.status === 'completed') return run;
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`run ${count} did not complete`);
}

export default async function coachE2E(ctx: E2EContext): Promise<void> {
  const folder = ctx.workspace(join(ctx.repoRoot, 'examples', 'diabetes-overfit'));
  rmSync(join(folder, '.dlmodel'), { recursive: true, force: true });
  mkdirSync(join(folder, '.vscode'), { recursive: true });
  writeFileSync(join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'dlmodel.backend': 'wasm' }, null, 2));
  // Fewer epochs than the example keep the scenario short; the network overfits long before.
  const specFile = join(folder, SPEC);
  writeFileSync(specFile, readFileSync(specFile, 'utf8').replace('"epochs": 150', '"epochs": 40'));

  const page = await ctx.openWorkbench(folder);
  await openFile(page, SPEC);

  // 1. Train: at the end the coach's insight is an information diagnostic on the epochs line.
  const first = await trainAndWait(page, folder, 1);
  ctx.log(`first run: ${JSON.stringify(first.finalMetrics)} insights ${JSON.stringify(first.insights?.map((i) => i.kind))}`);
  assert.ok(first.insights?.some((i) => i.kind === 'overfitting'), JSON.stringify(first.insights));
  await openProblems(page);
  const problem = await waitForProblem(page, (p) => /Overfitting from epoch/.test(p.message), 60_000);
  ctx.log(`problem: ${problem.label}`);
  assert.equal(problem.severity, 'Info');
  const epochsLine = readFileSync(specFile, 'utf8').split('\n').findIndex((l) => l.includes('"epochs"')) + 1;
  assert.equal(problem.line, epochsLine);
  await ctx.screenshot(page, 'coach-1-insight');

  // 2. The quick fix on that line: earlyStopping with restoreBestWeights.
  await page.locator('.markers-panel .monaco-list-row', { hasText: 'Overfitting from epoch' }).first().click();
  await page.waitForTimeout(500);
  await page.keyboard.press('Control+.');
  // The quick fix menu (the Problems panel's context menu, or the editor's action widget).
  const fix = page.getByText(/^Add earlyStopping \(patience \d+\) with restoreBestWeights$/).first();
  await fix.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await ctx.screenshot(page, 'coach-2-quick-fix');
  await fix.click();
  await page.waitForTimeout(500);
  await page.keyboard.press('Control+S');
  for (let i = 0; i < 40 && !readFileSync(specFile, 'utf8').includes('restoreBestWeights'); i++) await page.waitForTimeout(250);
  const fixed = readFileSync(specFile, 'utf8');
  assert.match(fixed, /"restoreBestWeights": true/);
  assert.match(fixed, /A network far too large/, 'the comments are kept');

  // 3. The next run keeps the best epoch's weights and scores better on the validation rows.
  const second = await trainAndWait(page, folder, 2);
  ctx.log(`second run: ${JSON.stringify(second.finalMetrics)} restored epoch ${second.restoredEpoch}`);
  assert.ok(second.restoredEpoch !== undefined);
  assert.ok((second.finalMetrics?.val_mae ?? Infinity) < (first.finalMetrics?.val_mae ?? 0), 'the next run is better');
  await ctx.screenshot(page, 'coach-3-second-run');

  // 4. The dashboard: the baseline, the insights, and what the network sees.
  await runCommand(page, 'View: Close Primary Side Bar');
  await runCommand(page, 'dlmodel: Open Dashboard');
  const frame = webviewFrame(page);
  const baseline = frame.locator('#baseline');
  await baseline.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const baselineText = (await baseline.textContent()) ?? '';
  ctx.log(`dashboard: ${baselineText}`);
  assert.match(baselineText, /always answering the mean/);
  await frame.locator('#data-preview').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const inputs = await frame.locator('#data-preview tr').nth(1).locator('td.input').count();
  assert.equal(inputs, 10, 'ten normalized inputs per row');
  await frame.locator('#data-view').scrollIntoViewIfNeeded();
  await ctx.screenshot(page, 'coach-4-dashboard');
  await frame.locator('#coach').scrollIntoViewIfNeeded();
  await ctx.screenshot(page, 'coach-5-dashboard-insights');
}
