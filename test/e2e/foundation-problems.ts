// Foundation e2e: a user opens the broken experiment and sees the dlmodel error in the Problems panel,
// with the message and position of the wrong token ("relux" on line 10).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFile, openProblems, waitForProblem } from '../harness/browser';
import type { E2EContext } from '../harness/e2e-context';

export default async function foundationProblems(ctx: E2EContext): Promise<void> {
  const folder = ctx.workspace();
  const text = readFileSync(join(folder, 'broken.dlmodel.json'), 'utf8');
  const at = text.indexOf('"activation": "relux"') + '"activation": '.length;
  const before = text.slice(0, at).split('\n');
  const line = before.length;
  const column = before[before.length - 1].length + 1;

  const page = await ctx.openWorkbench(folder);
  await openFile(page, 'broken.dlmodel.json');
  // The squiggle in the editor.
  await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'visible' });
  await openProblems(page);
  const problem = await waitForProblem(page, (p) => p.source === 'dlmodel');
  ctx.log(`Problems panel: ${problem.label}`);
  await ctx.screenshot(page, 'foundation-problems');

  assert.equal(problem.severity, 'Error');
  assert.match(problem.message, /relux/);
  assert.match(problem.message, /sigmoid/);
  assert.deepEqual({ line: problem.line, column: problem.column }, { line, column }, 'position of "relux"');
}
