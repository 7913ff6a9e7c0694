// Drives the code-server workbench with Debian's chromium through playwright-core: open the workbench
// with the extension under development, open files, find code lenses, read the Problems panel, reach
// into webviews, take screenshots. Selectors are VS Code 1.100's (code-server 4.100.3).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import type { CodeServer } from './code-server';
import { envMs, isExiting, log, onCleanup, repoRoot, screenshotsDir } from './util';

export const CHROMIUM = process.env.DLMODEL_CHROMIUM ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** How long one UI step may take (a file opening, a lens appearing); slow shared machines need minutes. */
export const STEP_TIMEOUT_MS = envMs('DLMODEL_STEP_TIMEOUT_MS', 120_000);

/** Launches chromium with a profile under `root` (a code-server temp root); closed on any exit. */
export async function launchBrowser(root: string): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`chromium not found at ${CHROMIUM}; install it with: apt-get install -y chromium`);
  }
  if (isExiting()) throw new Error('shutting down: not starting chromium');
  const profile = join(root, 'chromium-profile');
  mkdirSync(profile, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
    // The harness's own handlers close the browser and code-server together (util.ts onCleanup).
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    env: {
      ...process.env,
      XDG_CONFIG_HOME: join(root, 'xdg-config'),
      XDG_CACHE_HOME: join(root, 'xdg-cache'),
    },
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= context.close().catch(() => undefined));
  // Playwright kills the browsers it launched when Node exits, so the synchronous path has nothing to do.
  const unregister = onCleanup(close, () => undefined);
  context.on('close', () => {
    closing ??= Promise.resolve();
    unregister();
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  return context;
}

export interface WorkbenchOptions {
  /** Absolute path of the folder to open. */
  folder: string;
  /** Absolute path of the extension to load (default: this repository). */
  extensionDevelopmentPath?: string;
  /** Absolute path of a module exporting run(): the workbench then runs it in the extension host. */
  extensionTestsPath?: string;
}

/**
 * The workbench URL. code-server's command line refuses --extensionDevelopmentPath, so the paths
 * travel in the URL's payload as vscode-remote URIs on this server.
 */
export function workbenchUrl(server: CodeServer, opts: WorkbenchOptions): string {
  const remote = (p: string) => `vscode-remote://${server.remoteAuthority}${p}`;
  const payload: [string, string][] = [
    ['extensionDevelopmentPath', remote(opts.extensionDevelopmentPath ?? repoRoot())],
  ];
  if (opts.extensionTestsPath) payload.push(['extensionTestsPath', remote(opts.extensionTestsPath)]);
  const q = new URLSearchParams({ folder: opts.folder, payload: JSON.stringify(payload) });
  return `${server.url}/?${q.toString()}`;
}

/**
 * Opens the workbench in a new page and waits for it to be usable. `beforeNavigate` runs first (for
 * page.exposeFunction, which must precede the page's scripts).
 */
export async function openWorkbench(
  context: BrowserContext,
  server: CodeServer,
  opts: WorkbenchOptions & { beforeNavigate?: (page: Page) => Promise<void> },
): Promise<Page> {
  const page = context.pages()[0] ?? (await context.newPage());
  if (opts.beforeNavigate) await opts.beforeNavigate(page);
  const started = Date.now();
  await page.goto(workbenchUrl(server, opts), { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench .part.editor').waitFor({ state: 'visible' });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible' });
  log('browser', `workbench up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return page;
}

/** Opens a file by name through Quick Open (Ctrl+P) and waits for its editor tab to be active. */
export async function openFile(page: Page, name: string): Promise<void> {
  const base = name.split('/').pop() ?? name;
  const input = page.locator('.quick-input-widget input.input');
  // The workbench may still be wiring keybindings just after load: retry the shortcut until it opens.
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('Control+P');
    try {
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      break;
    } catch (e) {
      if (attempt >= 10) throw e;
    }
  }
  await input.fill(name);
  await page
    .locator('.quick-input-widget .monaco-list-row', { hasText: base })
    .first()
    .waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab.active`, { hasText: base }).waitFor({ state: 'visible' });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ state: 'visible' });
}

/**
 * A clickable code lens whose text contains `text`, once visible.
 *
 * When a code lens provider registers (built-in extensions activate on startup finished, seconds after the
 * workbench is up) VS Code redraws every editor's lenses from its cache, as plain text without commands, and
 * asks the providers again after a short delay; that request is cancelled when the editor loses focus, say
 * to the dashboard opening beside it, and the text-only lenses then stay until the editor is focused again.
 * Focusing it, as a user clicking its tab does, brings the live lenses back.
 */
export async function waitForCodeLens(page: Page, text: string, timeoutMs = STEP_TIMEOUT_MS): Promise<Locator> {
  const lens = page.locator('.codelens-decoration a', { hasText: text }).first();
  const cached = page.locator('.codelens-decoration > span', { hasText: text }).first();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    try {
      await lens.waitFor({ state: 'visible', timeout: Math.max(1, Math.min(left, 3_000)) });
      return lens;
    } catch (e) {
      if (left <= 3_000) throw e;
    }
    if (await cached.isVisible()) {
      // Through its tab: a click inside the text would have Playwright scroll the (taller than the window)
      // lines element into view, shifting Monaco's content under its own scroll position, lenses out of sight.
      const group = cached.locator('xpath=ancestor::div[contains(concat(" ", @class, " "), " editor-group-container ")][1]');
      await group.locator('.tabs-container .tab.active').first().click({ timeout: 5_000 }).catch(() => undefined);
    }
  }
}

export interface ProblemRow {
  severity: 'Error' | 'Warning' | 'Info' | 'Problem';
  message: string;
  line: number;
  column: number;
  /** The diagnostic's source (e.g. 'dlmodel', 'json'), when it has one. */
  source?: string;
  /** The row's accessible label as VS Code wrote it. */
  label: string;
}

/** Parses a Problems row label, e.g. "Error: msg at line 3 and character 5. generated by dlmodel". */
export function parseProblemLabel(label: string): ProblemRow | undefined {
  const m = /^(Error|Warning|Info|Problem): ([\s\S]*) at line (\d+) and character (\d+)\.([\s\S]*?)(?: generated by (.+))?$/.exec(
    label.trim(),
  );
  if (!m) return undefined;
  return {
    severity: m[1] as ProblemRow['severity'],
    message: m[2],
    line: Number(m[3]),
    column: Number(m[4]),
    source: m[6]?.trim() || undefined,
    label,
  };
}

/** Opens the Problems panel (Ctrl+Shift+M) and waits for it. */
export async function openProblems(page: Page): Promise<Locator> {
  const panel = page.locator('.markers-panel');
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('Control+Shift+M');
    try {
      await panel.waitFor({ state: 'visible', timeout: 5_000 });
      return panel;
    } catch (e) {
      if (attempt >= 10) throw e;
    }
  }
}

/** The problems listed in the (open) Problems panel; file rows are left out. */
export async function readProblems(page: Page): Promise<ProblemRow[]> {
  const labels = await page
    .locator('.markers-panel .monaco-list-row')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
  return labels.map(parseProblemLabel).filter((p): p is ProblemRow => p !== undefined);
}

/** Waits until the Problems panel lists a problem that `match` accepts, and returns it. */
export async function waitForProblem(
  page: Page,
  match: (p: ProblemRow) => boolean,
  timeoutMs = STEP_TIMEOUT_MS,
): Promise<ProblemRow> {
  const deadline = Date.now() + timeoutMs;
  let seen: ProblemRow[] = [];
  for (;;) {
    seen = await readProblems(page);
    const hit = seen.find(match);
    if (hit) return hit;
    if (Date.now() > deadline) {
      const list = seen.map((p) => `  ${p.label}`).join('\n') || '  (none)';
      throw new Error(`no matching problem within ${Math.round(timeoutMs / 1000)} s; the Problems panel lists:\n${list}`);
    }
    await page.waitForTimeout(500);
  }
}

/** The content frame of the active webview (its outer iframe holds an inner #active-frame). */
export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview').frameLocator('#active-frame');
}

/** Saves a full-page screenshot as test-results/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = join(screenshotsDir(), name.endsWith('.png') ? name : `${name}.png`);
  await page.screenshot({ path: file });
  log('browser', `screenshot ${file}`);
  return file;
}

/** Runs a command by its title through the command palette (F1). */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

/** Waits until the dashboard's status line matches `done` (training finished), polling every 300 ms. */
export async function waitForStatus(page: Page, frame: FrameLocator, done: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await frame.locator('#status').textContent()) ?? '';
    if (done.test(status)) return status;
    if (Date.now() > deadline) throw new Error(`training did not finish within ${timeoutMs / 1000} s; status: ${status}`);
    await page.waitForTimeout(300);
  }
}
