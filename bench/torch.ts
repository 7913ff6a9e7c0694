// PyTorch as the peer: found as `/usr/bin/python3 -c "import torch"` (Debian python3-torch), or the python
// named by DLMODEL_BENCH_PYTHON. Each task runs in its own python process (peak memory per task).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { TaskId } from './tasks';

export interface TorchResult {
  kind: 'torch';
  task: TaskId;
  ok: boolean;
  error?: string;
  device?: string;
  gpu?: string;
  threads?: number;
  samplesPerSec?: number;
  steps?: number;
  batch?: number;
  lossFirst?: number;
  lossLast?: number;
  peakRssMb?: number;
  version?: string;
  rows?: number;
  /** Seconds to make the data set; one full epoch's seconds (with `epoch`). */
  dataS?: number;
  epochS?: number;
}

export interface TorchInfo {
  python: string;
  version: string;
  cuda: boolean;
}

export function pythonCandidates(): string[] {
  const env = process.env.DLMODEL_BENCH_PYTHON;
  return [env, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
}

/** Which python has torch, its version, and whether it sees a CUDA device; undefined without torch. */
export function findTorch(): TorchInfo | { missing: string } {
  const tried: string[] = [];
  for (const python of pythonCandidates()) {
    const r = spawnSync(python, ['-c', 'import torch,json;print(json.dumps([torch.__version__, torch.cuda.is_available()]))'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status === 0) {
      try {
        const [version, cuda] = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as [string, boolean];
        return { python, version, cuda };
      } catch {
        /* unexpected output: try the next */
      }
    }
    tried.push(`${python}: ${(r.error?.message ?? r.stderr ?? '').trim().split('\n').pop() || `exit ${r.status}`}`);
  }
  return { missing: `no python with torch (${tried.join('; ')}); Debian: apt-get install python3-torch libopenblas0-pthread` };
}

/** The script, beside the bundle (gpu-bench pack) or in the repository's bench/ folder. */
export function scriptPath(bundleDir: string, name: string): string | undefined {
  return [path.join(bundleDir, name), path.join(bundleDir, '..', 'bench', name), path.join(__dirname, name)].find((p) => existsSync(p));
}

export function runProcess(cmd: string, args: string[], opts: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: stderr + e.message, ms: performance.now() - t0 });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

export async function runTorchTask(
  info: TorchInfo,
  script: string,
  task: TaskId,
  o: { seconds: number; device: 'cpu' | 'cuda'; threads?: number; rows?: number; epoch?: boolean },
): Promise<TorchResult> {
  const args = [script, '--tasks', task, '--seconds', String(o.seconds), '--device', o.device];
  if (o.threads) args.push('--threads', String(o.threads));
  if (o.rows) args.push('--rows', String(o.rows));
  if (o.epoch) args.push('--epoch');
  const r = await runProcess(info.python, args, { timeoutMs: (o.seconds + (o.epoch ? 900 : 180)) * 1000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const j = JSON.parse(line) as Record<string, unknown>;
    if (typeof j.error === 'string') return { kind: 'torch', task, ok: false, error: j.error };
    return {
      kind: 'torch',
      task,
      ok: true,
      device: j.device as string,
      gpu: j.gpu as string | undefined,
      threads: j.threads as number,
      samplesPerSec: j.samples_per_s as number,
      steps: j.steps as number,
      batch: j.batch as number,
      lossFirst: j.loss_first as number,
      lossLast: j.loss_last as number,
      peakRssMb: j.peak_rss_mb as number,
      version: j.torch as string,
      rows: j.rows as number,
      dataS: j.data_s as number,
      epochS: (j.epoch_s as number | null) ?? undefined,
    };
  } catch {
    return { kind: 'torch', task, ok: false, error: `torch_tasks.py failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' ')}` };
  }
}
