// What every browser e2e scenario receives. A scenario is a file test/e2e/<name>.ts whose default export
// is `async (ctx: E2EContext) => void`; it throws to fail and calls ctx.skip(reason) to skip. Each
// scenario gets its own code-server and browser; its workspace is a copy, so it may write into it.
// UI helpers (openFile, waitForCodeLens, readProblems, webviewFrame...) come from ./browser.
import type { BrowserContext, Page } from 'playwright-core';
import type { CodeServer } from './code-server';

export interface E2EContext {
  /** The scenario's name (its file name without .js). */
  readonly name: string;
  readonly server: CodeServer;
  readonly browser: BrowserContext;
  /** The repository root (the extension under development). */
  readonly repoRoot: string;
  /** Copies a folder (default: test/fixtures/workspace) into the scenario's temp root; returns its path. */
  workspace(src?: string): string;
  /** Opens the workbench on `folder` with this repository's extension loaded; resolves once it is usable. */
  openWorkbench(folder: string): Promise<Page>;
  /** Saves test-results/screenshots/<name>.png and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  log(message: string): void;
  /** Ends the scenario as skipped, printing the reason (for things missing on this machine only). */
  skip(reason: string): never;
}

/** Thrown by ctx.skip; recognised by name, since each bundle has its own copy of this module. */
export class E2ESkip extends Error {
  override readonly name = 'E2ESkip';
}

export type E2EScenario = (ctx: E2EContext) => Promise<void>;
