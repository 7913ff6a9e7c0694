// Runs the mocha integration suite (out/test/integration/index.js) inside the real extension host of
// code-server, in a copy of test/fixtures/workspace. The workbench reports the suite's console through
// window.codeAutomationLog and its end through window.codeAutomationExit(code): both are exposed to
// the page, the output is streamed here, and this process exits with the suite's code.
//   node out/test/harness/run-integration.js [--grep REGEX] [--tests PATH_TO_A_RUNNER_INDEX_JS] [--restricted]
// --restricted: restricted mode. code-server runs with workspace trust enabled and the workspace copy
// untrusted, and the runner loads only test/integration/restricted*.test.ts (DLMODEL_RESTRICTED=1); the
// counts go to test-results/integration-restricted.json instead of integration.json.
// Environment: DLMODEL_INTEGRATION_TIMEOUT_MS (default 15 min) bounds the whole run.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, openWorkbench, screenshot } from './browser';
import { fixtureWorkspace, startCodeServer, type CodeServer } from './code-server';
import {
  envMs,
  errorText,
  exitAfterCleanup,
  formatCounts,
  log,
  repoRoot,
  resultsDir,
  screenshotsDir,
  writeStageCounts,
  type StageCounts,
} from './util';

const MARKER = 'DLMODEL_MOCHA_RESULT ';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const SUITE_START = 'DLMODEL_SUITE_START';

/** Workbench log lines that only bury the suite's output: the offline extension gallery and its stacks. */
function isNoise(line: string): boolean {
  return /ENOTFOUND (open-vsx\.org|marketplace)|vsda|\/static\/out\/vs\//.test(line);
}

async function main(): Promise<void> {
  const root = repoRoot();
  const testsPath = resolve(argValue('--tests') ?? join(root, 'out', 'test', 'integration', 'index.js'));
  if (!existsSync(testsPath)) {
    return exitAfterCleanup(1, `integration: ${testsPath} is missing; run npm run build first`);
  }
  if (!existsSync(join(root, 'dist', 'extension.js'))) {
    log('integration', 'warning: dist/extension.js is missing (npm run build); the extension cannot activate');
  }
  const restricted = process.argv.includes('--restricted');
  // The stage's name: its counts file, its screenshots, its log lines.
  const stage = restricted ? 'integration-restricted' : 'integration';
  const timeoutMs = envMs('DLMODEL_INTEGRATION_TIMEOUT_MS', 15 * 60_000);
  const resultsFile = join(resultsDir(), `${stage}-mocha.json`);
  rmSync(resultsFile, { force: true });
  for (const old of [`${stage}-timeout.png`, `${stage}-failure.png`]) rmSync(join(screenshotsDir(), old), { force: true });
  const env: NodeJS.ProcessEnv = { DLMODEL_RESULTS_FILE: resultsFile };
  // Read by test/integration/index.ts in the extension host: which test files to load.
  if (restricted) env.DLMODEL_RESTRICTED = '1';
  const grep = argValue('--grep');
  if (grep) env.DLMODEL_TEST_GREP = grep;

  const started = Date.now();
  let server: CodeServer | undefined;
  let page: Page | undefined;
  let counts: StageCounts | undefined;
  let suiteStarted = false;
  let ended = false;
  const workbenchLog: string[] = [];

  const watchdog = setTimeout(() => {
    void (async () => {
      log(stage, `FAILED: the suite did not finish within ${Math.round(timeoutMs / 1000)} s`);
      if (page) await screenshot(page, `${stage}-timeout`).catch(() => undefined);
      if (!suiteStarted) log(stage, `the suite never started; the workbench log:\n${workbenchLog.join('\n')}`);
      if (server) log(stage, `code-server output (last lines):\n${server.output().split('\n').slice(-20).join('\n')}`);
      writeStageCounts(stage, { passed: 0, failed: 1, skipped: 0 });
      await exitAfterCleanup(1, `${stage}: 0 passed, 1 failed (timeout)`);
    })();
  }, timeoutMs);

  try {
    server = await startCodeServer({ env, restricted });
    if (restricted) log(stage, 'workspace trust enabled; the workspace is untrusted (restricted mode)');
    const workspace = server.copyFolder(fixtureWorkspace(), 'workspace');
    const context = await launchBrowser(server.root);
    let finish: (code: number) => void = () => undefined;
    const exited = new Promise<number>((r) => (finish = r));
    page = await openWorkbench(context, server, {
      folder: workspace,
      extensionTestsPath: testsPath,
      beforeNavigate: async (p) => {
        await p.exposeFunction('codeAutomationLog', (level: string, message: string) => {
          if (ended) return;
          for (const line of String(message).split('\n')) {
            if (/extension host .*terminated unexpectedly/i.test(line)) {
              // The suite's process is gone: no exit call will ever come.
              process.stdout.write(`${line}\n`);
              finish(1);
            }
            if (process.env.DLMODEL_DEBUG) process.stdout.write(`[workbench ${level}] ${line}\n`);
            if (line === SUITE_START) {
              suiteStarted = true;
            } else if (line.startsWith(MARKER)) {
              try {
                counts = JSON.parse(line.slice(MARKER.length)) as StageCounts;
              } catch {
                // fall back on the results file
              }
            } else if (!suiteStarted) {
              // The workbench's own start-up log: kept for the failure report, not printed.
              workbenchLog.push(`[${level}] ${line}`);
              if (workbenchLog.length > 100) workbenchLog.shift();
            } else if (!isNoise(line)) {
              process.stdout.write(`${line}\n`);
            }
          }
        });
        await p.exposeFunction('codeAutomationExit', (code: number) => finish(Number(code)));
      },
    });
    page.on('crash', () => {
      log(stage, 'the workbench page crashed');
      finish(1);
    });
    const code = await exited;
    ended = true;
    clearTimeout(watchdog);
    if (!counts && existsSync(resultsFile)) {
      counts = JSON.parse(readFileSync(resultsFile, 'utf8')) as StageCounts;
    }
    if (!counts) {
      // The suite never reached its end (the runner threw while loading, or the host crashed).
      counts = { passed: 0, failed: 1, skipped: 0 };
      log(stage, `the suite ended (code ${code}) without reporting counts: its runner failed to load or the extension host died`);
      if (!suiteStarted) log(stage, `it never started; the workbench log:\n${workbenchLog.join('\n')}`);
    } else if (code !== 0 && counts.failed === 0) {
      counts = { ...counts, failed: 1 };
    }
    writeStageCounts(stage, counts);
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    await exitAfterCleanup(code === 0 && counts.failed === 0 ? 0 : 1, `${stage}: ${formatCounts(counts)} (${secs} s)`);
  } catch (e) {
    clearTimeout(watchdog);
    if (page) await screenshot(page, `${stage}-failure`).catch(() => undefined);
    if (!suiteStarted && workbenchLog.length) log(stage, `the workbench log:\n${workbenchLog.join('\n')}`);
    if (server) log(stage, `code-server output (last lines):\n${server.output().split('\n').slice(-20).join('\n')}`);
    writeStageCounts(stage, { passed: 0, failed: 1, skipped: 0 });
    await exitAfterCleanup(1, `${stage}: FAILED to run: ${errorText(e)}\n${stage}: 0 passed, 1 failed`);
  }
}

void main();
