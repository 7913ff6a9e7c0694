// Dashboard e2e for text, in a real VS Code (code-server + chromium), trained from the Train lens on wasm:
//  - examples/spam (3 epochs; every tenth message starts with markup, `<script>` and `&`, which must show
//    as text and never run): text as numbers for a validation row (tokens, ids, unknown and padding marked,
//    vocabulary size and coverage, texts cut), the embedding plot with its neighbours on hover, the
//    predictions with the confusion matrix, inline results and the token hover on a predict input;
//  - examples/numbers-to-digits on 1,500 of its rows (3 epochs): expected and predicted digits with the
//    differing characters marked, the tokenAccuracy and sequenceAccuracy curves, inline results;
//  - examples/word-language on 1,500 of its words (2 epochs): characters as tokens, inline results.
// Screenshots: dashboard-text-tokens.png, dashboard-text-embedding.png, dashboard-text-predictions.png,
// dashboard-text-hover.png, dashboard-text-sequence.png, dashboard-text-characters.png.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { openFile, runCommand, STEP_TIMEOUT_MS, waitForCodeLens, waitForStatus, webviewFrame } from '../harness/browser';
import type { E2EContext } from '../harness/e2e-context';

export const timeoutMs = 14 * 60_000;

const HOSTILE = `<script>document.title='pwned'</script> <b>bold</b> &`;

/** Texts of after-line decorations (CSS ::after content) in the visible editor. */
async function inlineResults(page: Page, want: number): Promise<string[]> {
  let out: string[] = [];
  for (let i = 0; i < 120 && out.length < want; i++) {
    await page.waitForTimeout(500);
    const texts = await page.evaluate(`(() => {
      const out = [];
      for (const el of document.querySelectorAll('.monaco-editor .view-lines span')) {
        const c = getComputedStyle(el, '::after').content;
        if (c && c !== 'none' && c.includes('->')) out.push(c);
      }
      return out;
    })()`);
    // The content is a CSS string: quoted, its own quotes backslash-escaped.
    out = Array.isArray(texts) ? texts.map((t) => String(t).replace(/^"|"$/g, '').replace(/\\"/g, '"')) : [];
  }
  return out;
}

function spamWorkspace(ctx: E2EContext): string {
  const folder = ctx.workspace(join(ctx.repoRoot, 'examples', 'spam'));
  // Runs made in the example folder by earlier command-line use are not part of the example.
  rmSync(join(folder, '.dlmodel'), { recursive: true, force: true });
  const spec = readFileSync(join(folder, 'spam.dlmodel.json'), 'utf8').replace('"epochs": 10', '"epochs": 3');
  writeFileSync(join(folder, 'spam.dlmodel.json'), spec);
  // One message per line (the example has no line breaks inside cells): the label after the last comma.
  const lines = readFileSync(join(folder, 'messages.csv'), 'utf8').split('\n');
  const out = lines.map((line, i) => {
    if (i === 0 || i % 10 !== 0 || !line) return line;
    const comma = line.lastIndexOf(',');
    const cell = line.slice(0, comma);
    const inner = cell.startsWith('"') && cell.endsWith('"') ? cell.slice(1, -1) : cell.replace(/"/g, '""');
    return `"${HOSTILE} ${inner}"${line.slice(comma)}`;
  });
  writeFileSync(join(folder, 'messages.csv'), out.join('\n'));
  mkdirSync(join(folder, '.vscode'), { recursive: true });
  writeFileSync(join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'dlmodel.backend': 'wasm' }));
  return folder;
}

/** An example folder with fewer epochs and only its first 1,500 rows, trained on wasm. */
function smallerWorkspace(ctx: E2EContext, example: string, spec: string, epochs: [string, string], csv: string): string {
  const folder = ctx.workspace(join(ctx.repoRoot, 'examples', example));
  rmSync(join(folder, '.dlmodel'), { recursive: true, force: true });
  writeFileSync(join(folder, spec), readFileSync(join(folder, spec), 'utf8').replace(`"epochs": ${epochs[0]}`, `"epochs": ${epochs[1]}`));
  const lines = readFileSync(join(folder, csv), 'utf8').split('\n');
  writeFileSync(join(folder, csv), lines.slice(0, 1501).join('\n') + '\n');
  mkdirSync(join(folder, '.vscode'), { recursive: true });
  writeFileSync(join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'dlmodel.backend': 'wasm' }));
  return folder;
}

async function trainFromLens(ctx: E2EContext, page: Page, spec: string): Promise<FrameLocator> {
  await openFile(page, spec);
  await runCommand(page, 'View: Close Primary Side Bar');
  await waitForCodeLens(page, 'Train');
  await runCommand(page, 'dlmodel: Open Dashboard');
  const frame = webviewFrame(page);
  await frame.locator('#status').waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  // The lenses are drawn again when the dashboard opens beside the editor: look the lens up afresh, and
  // try again when it was replaced under the pointer.
  for (let attempt = 1; ; attempt++) {
    try {
      await (await waitForCodeLens(page, 'Train')).click({ timeout: 20_000 });
      return frame;
    } catch (e) {
      if (attempt >= 4) throw e;
      ctx.log(`Train lens click ${attempt} failed (${(e as Error).message.split('\n')[0]}); again`);
    }
  }
}

export default async function dashboardTextE2E(ctx: E2EContext): Promise<void> {
  // ---- spam: a text classifier ------------------------------------------------------------------------
  const page = await ctx.openWorkbench(spamWorkspace(ctx));
  const frame = await trainFromLens(ctx, page, 'spam.dlmodel.json');
  // The embedding is drawn live, from the weights events, before the run ends.
  await frame.locator('#embedding-plot circle.token-point').first().waitFor({ state: 'attached', timeout: 4 * 60_000 });
  const liveSummary = (await frame.locator('#embedding-summary').textContent()) ?? '';
  ctx.log(`embedding while training: ${liveSummary}`);
  const status = await waitForStatus(page, frame, /Finished|Stopped|Failed/, 6 * 60_000);
  ctx.log(`status: ${status}`);
  assert.match(status, /Finished 3\/3 epochs on .*wasm/i);
  await runCommand(page, 'Notifications: Clear All Notifications');

  // Text as numbers: the summary, then a validation row as tokens and ids.
  const summary = (await frame.locator('#text-summary').textContent()) ?? '';
  const cut = (await frame.locator('#text-cut').textContent()) ?? '';
  ctx.log(`text summary: ${summary} / ${cut}`);
  assert.match(summary, /Vocabulary: [\d,]+ ids \([\d,]+ tokens, 0 = padding, 1 = unknown\), fitted on the training split of run /);
  assert.match(summary, /\d+(\.\d)?% of the validation texts' tokens are in it/);
  assert.match(cut, /Each text becomes \d+ ids \(maxLength\): [\d,]+ of 2,000 texts are longer/);
  const cells = frame.locator('#token-grid .token-cell');
  await cells.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const ids = (await frame.locator('#token-grid .token-cell .id').allTextContents()).map(Number);
  assert.ok(ids.length > 5 && ids.every((id) => Number.isInteger(id) && id >= 0), `ids: ${ids.join(' ')}`);
  assert.ok(ids.some((id) => id >= 2), 'known tokens have ids from 2');

  // A hostile validation text: its tokens link shows it literally, escaped, its markup never active.
  const hostileRow = frame.locator('#prediction-rows tr', { hasText: "<script>document.title='pwned'</script>" }).first();
  await hostileRow.waitFor({ state: 'attached', timeout: STEP_TIMEOUT_MS });
  await hostileRow.locator('a', { hasText: 'tokens' }).click();
  await frame.locator('#text-original', { hasText: '<script>' }).waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const toks = (await frame.locator('#token-grid .token-cell .tok').allTextContents());
  ctx.log(`hostile row tokens: ${toks.join(' ')}`);
  for (const t of ['<', 'script', '>', '&', 'b']) assert.ok(toks.includes(t), `token ${t} among ${toks.join(' ')}`);
  assert.ok(await frame.locator('#token-grid .token-cell.padding').count() > 0, 'a short text is padded (id 0 marked)');
  assert.equal(await frame.locator('#text-view b, #predictions b, #text-view script, #predictions script').count(), 0, 'markup from the data is text, never elements');
  const frameTitle = await frame.locator('body').evaluate((b) => b.ownerDocument.title);
  assert.notEqual(frameTitle, 'pwned');
  await frame.locator('#text-view').scrollIntoViewIfNeeded();
  await ctx.screenshot(page, 'dashboard-text-tokens');

  // The embedding plot: labelled tokens, the nearest neighbours on hover.
  const points = frame.locator('#embedding-plot circle.token-point');
  const n = await points.count();
  const labels = await frame.locator('#embedding-plot text.token-label').allTextContents();
  ctx.log(`embedding: ${n} points, labels ${labels.slice(0, 15).join(' ')}`);
  assert.ok(n >= 50, `at least 50 tokens plotted: ${n}`);
  assert.ok(labels.length >= 15, 'the frequent tokens are labelled (those whose label would overlap another are not)');
  // Once the run has ended, the plot is the saved model's embedding.
  await frame.locator('#embedding-summary', { hasText: 'after epoch 3' }).waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await frame.locator('#embedding').scrollIntoViewIfNeeded();
  await points.nth(3).hover({ force: true });
  const tip = frame.locator('.tooltip');
  await tip.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const tipText = (await tip.textContent()) ?? '';
  ctx.log(`hover: ${tipText}`);
  assert.match(tipText, /^".+" \(id \d+\); nearest: .+ -?\d\.\d\d/);
  await ctx.screenshot(page, 'dashboard-text-embedding');

  // Predictions: the confusion matrix and the rows, mistakes first.
  const matrix = frame.locator('#confusion-matrix');
  await matrix.scrollIntoViewIfNeeded();
  const counts = (await matrix.locator('td.cell').allTextContents()).map(Number);
  assert.equal(counts.length, 4, 'a 2 x 2 confusion matrix');
  assert.equal(counts.reduce((a, b) => a + b, 0), 400, 'every validation message counted (20% of 2,000)');
  const acc = (await frame.locator('#val-accuracy').textContent()) ?? '';
  ctx.log(acc);
  const firstRow = (await frame.locator('#prediction-rows tr').nth(1).locator('td').allTextContents()).map((t) => t.trim());
  assert.match(firstRow[3] ?? '', /^(spam|ham)$/);
  assert.match(firstRow[4] ?? '', /^\d+(\.\d)?%$/);
  await frame.locator('#prediction-rows').evaluate((t) => t.parentElement?.scrollTo(0, 0));
  await ctx.screenshot(page, 'dashboard-text-predictions');

  // The editor: Predict writes `-> spam 97%` after each input; the hover shows the text as numbers.
  await page.locator('.tabs-container .tab', { hasText: 'spam.dlmodel.json' }).first().click();
  const predict = await waitForCodeLens(page, 'Predict');
  await predict.click();
  const results = await inlineResults(page, 2);
  ctx.log(`inline results: ${results.join(' | ')}`);
  assert.equal(results.length, 2);
  for (const r of results) assert.match(r, /^-> (spam|ham) \d+(\.\d)?%$/);
  await page.locator('.monaco-editor .view-line', { hasText: 'URGENT' }).first().locator('span', { hasText: 'URGENT' }).first().hover();
  const hover = page.locator('.monaco-hover', { hasText: 'Text as numbers' }).first();
  await hover.waitFor({ state: 'visible', timeout: 30_000 });
  const hoverText = (await hover.textContent()) ?? '';
  ctx.log(`token hover: ${hoverText}`);
  assert.match(hoverText, /urgent → \d+/);
  assert.match(hoverText, /\d+ unknown \(id 1\)/);
  await ctx.screenshot(page, 'dashboard-text-hover');
  await page.close();

  // ---- numbers to digits: a sequence task -------------------------------------------------------------
  const page2 = await ctx.openWorkbench(smallerWorkspace(ctx, 'numbers-to-digits', 'numbers-to-digits.dlmodel.json', ['25', '3'], 'numbers.csv'));
  const frame2 = await trainFromLens(ctx, page2, 'numbers-to-digits.dlmodel.json');
  const status2 = await waitForStatus(page2, frame2, /Finished|Stopped|Failed/, 6 * 60_000);
  ctx.log(`status: ${status2}`);
  assert.match(status2, /Finished 3\/3 epochs/);
  await runCommand(page2, 'Notifications: Clear All Notifications');
  const charts = await frame2.locator('#charts .chart h3').allTextContents();
  ctx.log(`charts: ${charts.join(', ')}`);
  for (const m of ['tokenAccuracy', 'sequenceAccuracy']) assert.ok(charts.includes(m), `a ${m} curve among ${charts.join(', ')}`);
  const rows = frame2.locator('#sequence-rows tr');
  await rows.nth(1).waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const seqSummary = (await frame2.locator('#val-sequence').textContent()) ?? '';
  ctx.log(seqSummary);
  assert.match(seqSummary, /Validation: \d+ of 300 texts predicted exactly/);
  const marks = await frame2.locator('#sequence-rows mark.differs').count();
  const first = (await rows.nth(1).locator('td').allTextContents()).map((t) => t.trim());
  ctx.log(`first sequence row (mistakes first): ${first.join(' | ')}; ${marks} differing characters marked`);
  if (!/^300 of 300/.test(seqSummary.replace('Validation: ', ''))) assert.ok(marks > 0, 'the mistakes have their differing characters marked');
  assert.match(first[2] ?? '', /^\d+$/, 'the expected digits');
  // The dashboard's form predicts a typed text.
  await frame2.locator('#predict-text input').fill('forty-two');
  await frame2.locator('#predict-button').click();
  const answer = frame2.locator('#predict-result .answer');
  await answer.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const answerText = (await answer.textContent()) ?? '';
  ctx.log(`form: forty-two ${answerText}`);
  assert.match(answerText, /^→ ".*" \(\d+(\.\d)?%\)$/);
  await frame2.locator('#predictions').scrollIntoViewIfNeeded();
  await ctx.screenshot(page2, 'dashboard-text-sequence');
  await page2.locator('.tabs-container .tab', { hasText: 'numbers-to-digits.dlmodel.json' }).first().click();
  await (await waitForCodeLens(page2, 'Predict')).click();
  const results2 = await inlineResults(page2, 2);
  ctx.log(`inline results: ${results2.join(' | ')}`);
  assert.equal(results2.length, 2);
  for (const r of results2) assert.match(r, /^-> ".*"$/);
  await page2.close();

  // ---- word-language: characters as tokens --------------------------------------------------------------
  const page3 = await ctx.openWorkbench(smallerWorkspace(ctx, 'word-language', 'word-language.dlmodel.json', ['15', '2'], 'words.csv'));
  const frame3 = await trainFromLens(ctx, page3, 'word-language.dlmodel.json');
  const status3 = await waitForStatus(page3, frame3, /Finished|Stopped|Failed/, 6 * 60_000);
  ctx.log(`status: ${status3}`);
  assert.match(status3, /Finished 2\/2 epochs/);
  const summary3 = (await frame3.locator('#text-summary').textContent()) ?? '';
  ctx.log(`text summary: ${summary3}`);
  assert.match(summary3, /read as characters/);
  const chars = await frame3.locator('#token-grid .token-cell:not(.padding) .tok').allTextContents();
  assert.ok(chars.length > 0 && chars.every((c) => Array.from(c).length === 1), `one character per token: ${chars.join(' ')}`);
  await page3.locator('.tabs-container .tab', { hasText: 'word-language.dlmodel.json' }).first().click();
  await (await waitForCodeLens(page3, 'Predict')).click();
  const results3 = await inlineResults(page3, 3);
  ctx.log(`inline results: ${results3.join(' | ')}`);
  assert.equal(results3.length, 3);
  for (const r of results3) assert.match(r, /^-> (english|french|spanish) \d+(\.\d)?%$/);
  await ctx.screenshot(page3, 'dashboard-text-characters');
}
