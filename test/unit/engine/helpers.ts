// Shared by the engine tests: the trainer and command line are bundled with esbuild (esbuild.node.json, the
// options `npm run build` uses) into out/unit-engine/ once per mocha process, so the tests fork the real
// trainer exactly as the extension does, without depending on the whole project's build.
import { build, type BuildOptions } from 'esbuild';
import nodeOptions from '../../../esbuild.node.json';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { startTrainer, type TrainerDone } from '../../../src/engine/client';
import type { Job, TrainerEvent } from '../../../src/protocol/trainer';

export const REPO = path.resolve(__dirname, '..', '..', '..');
const OUT = path.join(REPO, 'out', 'unit-engine');

let built: Promise<{ trainer: string; cli: string }> | undefined;

export function buildBundles(): Promise<{ trainer: string; cli: string }> {
  built ??= (async () => {
    const common: BuildOptions = { ...(nodeOptions as BuildOptions), sourcemap: true, logLevel: 'error', absWorkingDir: REPO };
    const trainer = path.join(OUT, 'trainer.js');
    const cli = path.join(OUT, 'cli.js');
    await Promise.all([
      build({ ...common, entryPoints: [path.join(REPO, 'src/engine/trainer-main.ts')], outfile: trainer }),
      build({ ...common, entryPoints: [path.join(REPO, 'src/cli/main.ts')], outfile: cli }),
    ]);
    return { trainer, cli };
  })();
  return built;
}

/** A scratch folder removed by the returned cleanup. */
export function scratch(prefix = 'dlmodel-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
}

/** The events of one type, typed as that type. */
export function ofType<T extends TrainerEvent['type']>(events: TrainerEvent[], type: T): Extract<TrainerEvent, { type: T }>[] {
  return events.filter((e): e is Extract<TrainerEvent, { type: T }> => e.type === type);
}

export interface TrainerRun extends TrainerDone {
  events: TrainerEvent[];
  stderr: string;
}

/** Forks the bundled trainer on `job` and collects everything it sends. */
export async function runTrainer(job: Job, opts: { onEvent?(e: TrainerEvent, cancel: () => void, kill: () => void): void } = {}): Promise<TrainerRun> {
  const { trainer } = await buildBundles();
  const events: TrainerEvent[] = [];
  let stderr = '';
  const handle = startTrainer(job, {
    trainerScript: trainer,
    onEvent(e) {
      events.push(e);
      opts.onEvent?.(e, () => handle.cancel(), () => handle.kill());
    },
    onStderr: (t) => (stderr += t),
    killTimeoutMs: 20_000,
  });
  const done = await handle.done;
  return { ...done, events, stderr };
}

/** Runs the bundled command line; resolves with its exit code and output. */
export async function runCli(args: string[], cwd = REPO): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { cli } = await buildBundles();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function lastJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

/** A small two-class table: weight/height to man/woman, deterministic. */
export function peopleCsv(n = 40): string {
  const lines = ['weight,height,gender'];
  for (let i = 0; i < n; i++) {
    const man = i % 2 === 0;
    const jitter = ((i * 37) % 11) - 5;
    const h = man ? 178 + jitter : 165 - jitter;
    const w = man ? 80 + jitter * 1.3 : 61 - jitter;
    lines.push(`${w},${h},${man ? 'man' : 'woman'}`);
  }
  return lines.join('\n') + '\n';
}

export function spec(obj: Record<string, unknown>): string {
  return JSON.stringify(obj, null, 2);
}
