// Dashboard e2e for images as matrices of pixels, in a real VS Code (code-server + chromium): a small
// image-folder experiment (test/fixtures/images-small: 20 digits of each of 0, 3 and 7, 28x28x1) with a
// tiny convolutional network, trained from the Train lens on the wasm backend. Inside the webview:
//  - the conv layer is drawn as feature maps with its filter count, its output shape (26x26x4) and its
//    40 parameters (3*3*1*4 weights + 4 biases); after training its 4 filters are drawn as 3x3 heat maps,
//  - a validation image opens on a click: the picture, the predicted label with its confidence, and on
//    demand its pixel matrix, 28 rows of 28 values.
// Screenshots: dashboard-images-conv.png, dashboard-images-pixels.png.
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { openFile, runCommand, STEP_TIMEOUT_MS, waitForCodeLens, waitForStatus, webviewFrame } from '../harness/browser';
import type { E2EContext } from '../harness/e2e-context';

export const timeoutMs = 12 * 60_000;

const SPEC = 'digits-small.dlmodel.json';

async function dashboard(page: Page): Promise<FrameLocator> {
  const frame = webviewFrame(page);
  await frame.locator('svg.diagram').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  return frame;
}

/** Texts of the diagram's conv layer, and its data attributes. */
async function convLayer(frame: FrameLocator): Promise<{ texts: string[]; params: number; filterCells: number }> {
  const g = frame.locator('svg.diagram g.layer[data-type="conv2d"]');
  await g.waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
  const texts = (await g.locator('text').allTextContents()).map((t) => t.trim());
  const params = Number(await g.getAttribute('data-params'));
  const filterCells = await g.locator('rect.filter-cell').count();
  return { texts, params, filterCells };
}

export default async function dashboardImagesE2E(ctx: E2EContext): Promise<void> {
  const folder = ctx.workspace(join(ctx.repoRoot, 'test', 'fixtures', 'images-small'));
  rmSync(join(folder, '.dlmodel'), { recursive: true, force: true });

  const page = await ctx.openWorkbench(folder);
  await openFile(page, SPEC);
  await runCommand(page, 'View: Close Primary Side Bar'); // room for the dashboard beside the spec
  await waitForCodeLens(page, 'Train');
  await runCommand(page, 'dlmodel: Open Dashboard');
  const frame = await dashboard(page);

  // Before training: the layer summary draws the conv layer as stacked feature maps.
  const before = await convLayer(frame);
  ctx.log(`conv layer before training: ${before.texts.join(' | ')}`);
  assert.ok(before.texts.includes('26×26×4'), `output shape 26×26×4 among ${JSON.stringify(before.texts)}`);
  assert.ok(before.texts.includes('4 filters'), `filter count among ${JSON.stringify(before.texts)}`);
  assert.ok(before.texts.includes('40 params'), `3*3*1*4 + 4 = 40 params among ${JSON.stringify(before.texts)}`);
  assert.equal(before.params, 3 * 3 * 1 * 4 + 4);
  const inputTexts = await frame.locator('svg.diagram g.layer[data-layer="0"] text').allTextContents();
  assert.ok(inputTexts.includes('28×28×1'), `the input is a 28×28×1 pixel matrix: ${JSON.stringify(inputTexts)}`);
  // Pooling halves the maps: 26x26x4 -> 13x13x4, flattened to 676 values.
  const poolTexts = await frame.locator('svg.diagram g.layer[data-type="maxPooling2d"] text').allTextContents();
  assert.ok(poolTexts.includes('13×13×4'), `pooling output 13×13×4: ${JSON.stringify(poolTexts)}`);

  // Train from the lens in the spec editor (left of the dashboard), on the wasm backend of the workspace settings;
  // the lens is looked up afresh, as the dashboard opening beside the editor may have drawn it again.
  await (await waitForCodeLens(page, 'Train')).click();
  const status = await waitForStatus(page, frame, /Finished|Stopped|Failed/, 8 * 60_000);
  ctx.log(`status: ${status}`);
  assert.match(status, /Finished 2\/2 epochs on .*wasm/i);

  // After training the conv layer shows its learned filters: 4 filters of 3x3 cells.
  await frame.locator('svg.diagram g.layer[data-type="conv2d"] rect.filter-cell').first().waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
  const after = await convLayer(frame);
  assert.equal(after.filterCells, 4 * 3 * 3);
  assert.ok(after.texts.includes('3 x 3 x 1 x 4 + 4 = 40'), `the parameter formula stays after training: ${JSON.stringify(after.texts)}`);
  assert.match((await frame.locator('#param-total').textContent()) ?? '', /Learnable parameters: [\d,]+ = 40 \+/);
  await runCommand(page, 'Notifications: Clear All Notifications');
  await frame.locator('#network').scrollIntoViewIfNeeded();
  await ctx.screenshot(page, 'dashboard-images-conv');

  // The image predictions: a validation row's picture, its prediction, then its pixel matrix on a click.
  const show = frame.locator('#prediction-rows a.show-image').first();
  await show.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const rowCells = (await frame.locator('#prediction-rows tr').nth(1).locator('td').allTextContents()).map((t) => t.trim());
  ctx.log(`first validation row: ${rowCells.join(' | ')}`);
  await show.click();
  const view = frame.locator('#image-view');
  const picture = view.locator('#picture svg.pixels, #picture img, #picture canvas').first();
  await picture.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const box = await picture.boundingBox();
  assert.ok(box && box.width >= 56 && box.height >= 56, `the picture is drawn large enough to see: ${JSON.stringify(box)}`);
  // The picture is not blank: some pixels of a handwritten digit are dark, some light.
  const opacities = (await view.locator('#picture rect.pixel').evaluateAll((els) => els.map((e) => Number(e.getAttribute('fill-opacity'))))) as number[];
  if (opacities.length) {
    assert.equal(opacities.length, 28 * 28);
    assert.ok(opacities.some((o) => o > 0.5) && opacities.some((o) => o < 0.1), 'the picture has ink and background');
  }
  const heading = (await view.locator('h3').first().textContent()) ?? '';
  assert.match(heading, /28×28×1/);
  const prediction = (await view.locator('#image-prediction').textContent()) ?? '';
  ctx.log(`image view: ${heading} / ${prediction}`);
  assert.match(prediction, /predicted (0|3|7) \(\d+(\.\d+)?%\)/);
  assert.match(prediction, /expected (0|3|7)/);
  assert.equal(await view.locator('#pixel-matrix').count(), 0, 'the pixel matrix opens only on demand');

  await view.locator('#show-pixels').click();
  const matrix = view.locator('#pixel-matrix');
  await matrix.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const rows = matrix.locator('.pixel-row');
  assert.equal(await rows.count(), 28, 'one row per pixel row');
  const firstRowValues = (await rows.nth(14).locator('.pixel-value').allTextContents()).map(Number);
  assert.equal(firstRowValues.length, 28, 'one value per pixel of a row');
  assert.ok(firstRowValues.every((v) => Number.isInteger(v) && v >= 0 && v <= 255), `pixel values 0..255: ${firstRowValues.join(' ')}`);
  assert.ok(firstRowValues.some((v) => v > 0), 'the middle row crosses the digit');
  // The whole matrix is readable without scrolling sideways inside the panel.
  const fits = await matrix.evaluate((el) => el.scrollWidth <= el.clientWidth + 1);
  assert.ok(fits, 'the pixel matrix fits the width of the panel');
  await view.scrollIntoViewIfNeeded();
  await ctx.screenshot(page, 'dashboard-images-pixels');

  // The spec's predict inputs (three sample images) are listed with their answers and open the same way.
  const predictRows = frame.locator('#predict-rows tr', { has: frame.locator('a.show-image') });
  assert.equal(await predictRows.count(), 3, 'one row per sample image');
  const seven = predictRows.filter({ hasText: 'seven.png' });
  const sevenCells = (await seven.locator('td').allTextContents()).map((t) => t.trim());
  ctx.log(`predict row: ${sevenCells.join(' | ')}`);
  assert.match(sevenCells[1], /samples\/seven\.png/);
  assert.match(sevenCells[2], /^(0|3|7)$/, 'the predicted class');
  assert.match(sevenCells[3], /^\d+(\.\d)?%$/, 'its confidence');
  await seven.locator('a.show-image').click();
  await view.locator('h3', { hasText: 'seven.png' }).waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  assert.match((await view.locator('#image-prediction').textContent()) ?? '', /^predicted (0|3|7) \(\d+(\.\d+)?%\)$/);
  assert.equal(await matrix.locator('.pixel-row').count(), 28, 'the matrix stays open for the next image');
}
