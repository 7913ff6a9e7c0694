// Runs the browser e2e scenarios: every out/test/e2e/*.js (bundled from test/e2e/*.ts), each with a
// fresh code-server and chromium, one after the other, then prints one summary line.
//   node out/test/harness/run-e2e.js [NAME_SUBSTRING...]
// Environment: DLMODEL_E2E_TIMEOUT_MS (default 8 min) bounds each scenario; a scenario module may
// export `timeoutMs` to ask for more. On failure a screenshot <name>-failure.png is saved.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser, openWorkbench, screenshot } from './browser';
import { assertCodeServerInstalled, fixtureWorkspace, startCodeServer, type CodeServer } from './code-server';
import { E2ESkip, type E2EContext, type E2EScenario } from './e2e-context';
import {
  envMs,
  errorText,
  exitAfterCleanup,
  formatCounts,
  isExiting,
  log,
  repoRoot,
  screenshotsDir,
  withTimeout,
  writeStageCounts,
  type StageCounts,
} from './util';

interface ScenarioModule {
  default?: E2EScenario;
  run?: E2EScenario;
  timeoutMs?: number;
}

type Outcome = { status: 'passed' } | { status: 'failed'; error: string } | { status: 'skipped'; reason: string };

async function runScenario(file: string, name: string): Promise<Outcome> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as ScenarioModule;
  const scenario = mod.default ?? mod.run;
  if (typeof scenario !== 'function') return { status: 'failed', error: `${file} exports no default async function` };
  const timeoutMs = mod.timeoutMs ?? envMs('DLMODEL_E2E_TIMEOUT_MS', 8 * 60_000);

  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  const pages: Page[] = [];
  try {
    server = await startCodeServer();
    const srv = server;
    const context = await launchBrowser(srv.root);
    browser = context;
    let copies = 0;
    const ctx: E2EContext = {
      name,
      server: srv,
      browser: context,
      repoRoot: repoRoot(),
      workspace: (src = fixtureWorkspace()) => srv.copyFolder(src, `workspace-${++copies}`),
      openWorkbench: async (folder) => {
        const page = await openWorkbench(context, srv, { folder });
        pages.push(page);
        return page;
      },
      screenshot,
      log: (m) => log(name, m),
      skip: (reason) => {
        throw new E2ESkip(reason);
      },
    };
    await withTimeout(scenario(ctx), timeoutMs, `scenario ${name}`);
    return { status: 'passed' };
  } catch (e) {
    if (e instanceof Error && e.name === 'E2ESkip') return { status: 'skipped', reason: e.message };
    const last = pages[pages.length - 1];
    if (last && !last.isClosed()) await screenshot(last, `${name}-failure`).catch(() => undefined);
    let error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    if (server) error += `\ncode-server output (last lines):\n${server.output().split('\n').slice(-15).join('\n')}`;
    return { status: 'failed', error };
  } finally {
    // Closing the browser first ends the scenario's pending page calls; then the server's process group.
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
}

async function main(): Promise<void> {
  const dir = join(repoRoot(), 'out', 'test', 'e2e');
  const filters = process.argv.slice(2);
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.js'))
        .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
        .sort()
    : [];
  const counts: StageCounts = { passed: 0, failed: 0, skipped: 0 };
  if (files.length === 0) {
    writeStageCounts('e2e', counts);
    return exitAfterCleanup(0, `e2e: no scenarios in ${dir}${filters.length ? ` matching ${filters.join(' ')}` : ''}\ne2e: ${formatCounts(counts)}`);
  }
  try {
    assertCodeServerInstalled();
  } catch (e) {
    writeStageCounts('e2e', { passed: 0, failed: 1, skipped: 0 });
    return exitAfterCleanup(1, `e2e: ${errorText(e)}\ne2e: 0 passed, 1 failed`);
  }
  const started = Date.now();
  for (const f of files) {
    if (isExiting()) break;
    const name = f.replace(/\.js$/, '');
    const t0 = Date.now();
    log('e2e', `${name}: start`);
    rmSync(join(screenshotsDir(), `${name}-failure.png`), { force: true });
    const outcome = await runScenario(join(dir, f), name);
    const secs = ((Date.now() - t0) / 1000).toFixed(0);
    switch (outcome.status) {
      case 'passed':
        counts.passed++;
        log('e2e', `${name}: passed (${secs} s)`);
        break;
      case 'skipped':
        counts.skipped++;
        log('e2e', `${name}: skipped: ${outcome.reason}`);
        break;
      case 'failed':
        counts.failed++;
        log('e2e', `${name}: FAILED (${secs} s)\n${outcome.error}`);
        break;
    }
  }
  writeStageCounts('e2e', counts);
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  await exitAfterCleanup(counts.failed > 0 ? 1 : 0, `e2e: ${formatCounts(counts)} (${secs} s)`);
}

void main();
