// End to end: `dlmodel train` on an example (a whole process: start, read, train, write the run folder)
// against an equivalent PyTorch script (bench/torch_example.py), both timed from spawn to exit, plus the
// time from spawn to the first finished epoch (the first line of metrics.jsonl).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { validateSpecFile } from '../src/format/validate';
import { runProcess, type TorchInfo } from './torch';

export interface E2eSide {
  ok: boolean;
  error?: string;
  totalMs?: number;
  /** user + system CPU time of the whole process tree (less sensitive than wall time to a busy machine). */
  cpuMs?: number;
  firstEpochMs?: number;
  epochs?: number;
  finalMetrics?: Record<string, number>;
  /** The backend `dlmodel train` reported (wasm, torch-cpu, torch-cuda, ...). */
  backend?: string;
}

export interface E2eResult {
  example: string;
  backend: string;
  dlmodel: E2eSide;
  /** The same command with `--backend torch` (train.py on PyTorch's CPU here), when a Python with torch exists. */
  dlmodelTorch?: E2eSide;
  torch?: E2eSide;
}

function findMetrics(dir: string): string | undefined {
  // .dlmodel/runs/<name>/<runId>/metrics.jsonl
  const runs = path.join(dir, '.dlmodel', 'runs');
  if (!existsSync(runs)) return undefined;
  for (const name of readdirSync(runs)) {
    const nd = path.join(runs, name);
    if (!statSync(nd).isDirectory()) continue;
    for (const id of readdirSync(nd)) {
      const m = path.join(nd, id, 'metrics.jsonl');
      if (existsSync(m)) return m;
    }
  }
  return undefined;
}

function firstLineWritten(file: string | undefined): boolean {
  if (!file) return false;
  try {
    return readFileSync(file, 'utf8').includes('\n');
  } catch {
    return false;
  }
}

const GNU_TIME = '/usr/bin/time';

/** Spawns a process, polls for the first metrics line, and times both (and CPU time, with GNU time). */
function timeProcess(cmd: string, args: string[], cwd: string, metrics: () => string | undefined, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string; totalMs: number; cpuMs?: number; firstEpochMs?: number }> {
  return new Promise((resolve) => {
    const timeFile = existsSync(GNU_TIME) ? path.join(cwd, `.bench-time-${process.pid}`) : undefined;
    const [c, a] = timeFile ? [GNU_TIME, ['-o', timeFile, '-f', '%U %S', cmd, ...args]] : [cmd, args];
    const t0 = performance.now();
    let firstEpochMs: number | undefined;
    const child = spawn(c, a, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      if (firstEpochMs === undefined && firstLineWritten(metrics())) firstEpochMs = performance.now() - t0;
    }, 10);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const cpu = (): number | undefined => {
      if (!timeFile || !existsSync(timeFile)) return undefined;
      const [u, sy] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(/\s+/).map(Number);
      rmSync(timeFile, { force: true });
      return Number.isFinite(u + sy) ? (u + sy) * 1000 : undefined;
    };
    child.on('close', (code) => {
      const totalMs = performance.now() - t0;
      clearInterval(poll);
      clearTimeout(timer);
      if (firstEpochMs === undefined && firstLineWritten(metrics())) firstEpochMs = totalMs;
      resolve({ code, stdout, stderr, totalMs, cpuMs: cpu(), firstEpochMs });
    });
    child.on('error', (e) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: e.message, totalMs: performance.now() - t0 });
    });
  });
}

function lastJson(stdout: string): Record<string, unknown> | undefined {
  const line = stdout.trim().split('\n').pop();
  try {
    return line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The spec file of an example folder. */
export function exampleSpec(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const f = readdirSync(dir).find((n) => n.endsWith('.dlmodel.json'));
  return f ? path.join(dir, f) : undefined;
}

export async function runE2e(
  exampleDir: string,
  cliJs: string,
  backend: string,
  torch: TorchInfo | undefined,
  torchScript: string | undefined,
  opts: { torch?: boolean; torchBackend?: boolean } = {},
): Promise<E2eResult> {
  const example = path.basename(exampleDir);
  const work = mkdtempSync(path.join(tmpdir(), `dlmodel-bench-${example}-`));
  try {
    // The example is copied (runs are written into it); its sibling examples are linked, for data paths such
    // as "../digits-mlp/digits".
    const examples = path.join(work, 'examples');
    mkdirSync(examples);
    for (const sibling of readdirSync(path.dirname(exampleDir))) {
      if (sibling !== example) symlinkSync(path.join(path.dirname(exampleDir), sibling), path.join(examples, sibling));
    }
    cpSync(exampleDir, path.join(examples, example), { recursive: true, filter: (src) => !src.includes(`${path.sep}.dlmodel`) });
    const spec = exampleSpec(path.join(examples, example));
    if (!spec) return { example, backend, dlmodel: { ok: false, error: 'no .dlmodel.json in the example' } };
    const productDir = path.dirname(spec);
    const trainWith = async (b: string): Promise<E2eSide> => {
      rmSync(path.join(productDir, '.dlmodel'), { recursive: true, force: true });
      const r = await timeProcess(process.execPath, [cliJs, 'train', spec, '--backend', b, '--json'], productDir, () => findMetrics(productDir), 600_000);
      const out = lastJson(r.stdout);
      return r.code === 0 && out
        ? { ok: true, totalMs: r.totalMs, cpuMs: r.cpuMs, firstEpochMs: r.firstEpochMs, epochs: out.epochs as number, finalMetrics: out.metrics as Record<string, number>, backend: out.backend as string }
        : { ok: false, error: `exit ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`, totalMs: r.totalMs };
    };
    const dlmodel = await trainWith(backend);
    // dlmodel's torch backend in the same run, on the same example (DLMODEL_PYTHON: the bench's Python).
    const dlmodelTorch = torch && opts.torchBackend !== false ? await trainWith('torch') : undefined;

    let torchSide: E2eSide | undefined;
    if (torch && torchScript && opts.torch !== false) {
      const { spec: parsed, plan } = await validateSpecFile(spec, undefined, { trusted: true });
      if (!parsed || !plan || !parsed.data.source) {
        torchSide = { ok: false, error: 'the spec could not be read for the PyTorch job' };
      } else {
        const outDir = path.join(work, 'torch-run');
        const job = {
          csv: path.resolve(productDir, parsed.data.source),
          target: parsed.data.target,
          features: parsed.data.features ?? null,
          ignore: parsed.data.ignore ?? [],
          task: parsed.task ?? null,
          layers: parsed.model.layers ?? [],
          epochs: plan.epochs,
          batchSize: plan.batchSize,
          optimizer: plan.optimizer,
          learningRate: plan.learningRate,
          validationSplit: plan.validationSplit,
          normalize: plan.normalize,
          seed: plan.seed ?? 1,
          earlyStopping: plan.earlyStopping ?? null,
          outDir,
        };
        const metricsFile = path.join(outDir, 'metrics.jsonl');
        const t = await timeProcess(torch.python, [torchScript, JSON.stringify(job)], work, () => metricsFile, 600_000);
        const tout = lastJson(t.stdout);
        torchSide =
          t.code === 0 && tout
            ? { ok: true, totalMs: t.totalMs, cpuMs: t.cpuMs, firstEpochMs: t.firstEpochMs, epochs: tout.epochs as number, finalMetrics: tout.metrics as Record<string, number> }
            : { ok: false, error: `exit ${t.code}: ${t.stderr.trim().split('\n').slice(-2).join(' ')}`, totalMs: t.totalMs };
      }
    }
    return { example, backend, dlmodel, dlmodelTorch, torch: torchSide };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export { runProcess };
