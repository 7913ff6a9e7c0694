// Shared by the PyTorch tests: which Python has PyTorch (DLMODEL_PYTHON, else python3), and running an
// exported train.py. Debian's PyTorch is faster on one thread with the threaded OpenBLAS.
import { execFileSync, spawn } from 'node:child_process';

export const PYTHON = process.env.DLMODEL_PYTHON || 'python3';

export const TORCH_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  LD_LIBRARY_PATH: [process.env.LD_LIBRARY_PATH, '/usr/lib/x86_64-linux-gnu/openblas-pthread'].filter(Boolean).join(':'),
  OMP_NUM_THREADS: '1',
};

let probed: string | undefined | null = null;

/** Undefined when PYTHON imports torch; else why not (the suites then skip, saying so). */
export function torchMissing(): string | undefined {
  if (probed !== null) return probed;
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { env: TORCH_ENV, stdio: 'pipe', timeout: 60_000 });
    probed = undefined;
  } catch (err) {
    probed = `no PyTorch in ${PYTHON} (set DLMODEL_PYTHON): ${(err as Error).message.split('\n')[0]}`;
  }
  return probed;
}

/** Runs PYTHON (or `torchrun` when args[0] says so); killed with its whole process group after timeoutMs. */
export function runPython(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(args[0] === 'torchrun' ? 'torchrun' : PYTHON, args[0] === 'torchrun' ? args.slice(1) : args, {
      cwd: opts.cwd,
      env: { ...TORCH_ENV, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // already gone
      }
    }, opts.timeoutMs ?? 180_000);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * For a suite that runs trainer processes on the torch backend: skips it (saying why) without PyTorch, and
 * gives the processes it starts the Python with PyTorch and one fast thread, restored after the suite.
 */
export function useTorchTrainerEnv(): void {
  const saved: Record<string, string | undefined> = {};
  before(function () {
    const missing = torchMissing();
    if (missing) {
      console.warn(`      skipped: ${missing}`);
      this.skip();
    }
    for (const k of ['DLMODEL_PYTHON', 'LD_LIBRARY_PATH', 'OMP_NUM_THREADS']) {
      saved[k] = process.env[k];
      process.env[k] = k === 'DLMODEL_PYTHON' ? PYTHON : TORCH_ENV[k];
    }
  });
  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}
