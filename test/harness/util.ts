// Shared pieces of the test harness: where things are, stage results, and cleanup that runs however
// the process ends (normal exit, failure, Ctrl+C, a watchdog timeout).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the nearest folder above this file whose package.json is the extension's. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'dlmodel') return dir;
      } catch {
        // not the one; keep climbing
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the dlmodel repository root above ${__dirname}`);
    dir = up;
  }
}

export function harnessDir(): string {
  return process.env.DLMODEL_HARNESS_DIR ? resolve(process.env.DLMODEL_HARNESS_DIR) : join(repoRoot(), '.harness');
}

export function resultsDir(): string {
  const dir = join(repoRoot(), 'test-results');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function screenshotsDir(): string {
  const dir = join(resultsDir(), 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Counts of one stage, written as test-results/<stage>.json for test/run-all.sh to sum. */
export interface StageCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export function writeStageCounts(stage: string, counts: StageCounts): void {
  writeFileSync(join(resultsDir(), `${stage}.json`), JSON.stringify(counts) + '\n');
}

export function formatCounts(c: StageCounts): string {
  return `${c.passed} passed, ${c.failed} failed` + (c.skipped > 0 ? `, ${c.skipped} skipped` : '');
}

export function log(scope: string, message: string): void {
  process.stdout.write(`[${scope}] ${message}\n`);
}

/** Milliseconds from an environment variable, else the default. */
export function envMs(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

// --- cleanup ------------------------------------------------------------------------------------

type Cleanup = { run(): Promise<void>; runSync(): void };
const cleanups = new Set<Cleanup>();
let handlersInstalled = false;
let exiting = false;

/**
 * Registers a resource to release. `run` is the graceful path; `runSync` is the last resort when the
 * process is exiting and nothing asynchronous can run any more (it must not throw).
 * Returns a function that unregisters it (call it once the resource is released normally).
 */
export function onCleanup(run: () => Promise<void>, runSync: () => void): () => void {
  installHandlers();
  const c: Cleanup = { run, runSync };
  cleanups.add(c);
  return () => cleanups.delete(c);
}

/** True once the process is shutting down: nothing new may be started then. */
export function isExiting(): boolean {
  return exiting;
}

export async function cleanupAll(): Promise<void> {
  // Each entry leaves the set only once released, so an exit in the middle still kills the rest.
  for (const c of [...cleanups].reverse()) {
    try {
      await c.run();
    } catch (e) {
      log('harness', `cleanup failed: ${errorText(e)}`);
      try {
        c.runSync();
      } catch {
        // nothing more to do
      }
    }
    cleanups.delete(c);
  }
}

/** Ends the process after releasing everything, with a message if given. */
export async function exitAfterCleanup(code: number, message?: string): Promise<never> {
  if (message) process.stdout.write(message.endsWith('\n') ? message : message + '\n');
  exiting = true;
  await cleanupAll();
  process.exit(code);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (exiting) return;
      exiting = true;
      log('harness', `${sig}: stopping everything the harness started`);
      // A second signal, or a cleanup that hangs, must still end the process.
      const force = setTimeout(() => process.exit(130), 10_000);
      force.unref();
      void cleanupAll().finally(() => process.exit(130));
    });
  }
  process.on('exit', () => {
    for (const c of cleanups) {
      try {
        c.runSync();
      } catch {
        // exiting anyway
      }
    }
  });
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Rejects with a message naming what took too long. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(ms / 1000)} s: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
