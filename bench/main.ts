// `npm run bench` (dist/bench.js): training speed of the TensorFlow.js backends against PyTorch, in one run.
//   node dist/bench.js [--quick] [--tasks A,B,C,D] [--backends cpu,wasm,webgpu] [--seconds N] [--rounds N] [--no-torch]
//                      [--no-e2e] [--memory|--no-memory] [--torch-device cpu|cuda] [--torch-threads N] [--out FILE]
// Every (task, backend) runs in its own child process, PyTorch right after it (ratios measured back to back),
// so each peak memory figure belongs to one task. Results: bench/results/<date>-<host>.json.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConcreteBackend } from '../src/format/types';
import { exampleSpec, runE2e, type E2eResult, type E2eSide } from './e2e';
import { TASKS, type TaskId } from './tasks';
import { extensionRootFromBundle, runChild, type ChildArgs, type TfjsResult } from './tfjs-runner';
import { findTorch, runProcess, runTorchTask, scriptPath, type TorchInfo, type TorchResult } from './torch';

interface Flags {
  quick: boolean;
  tasks: TaskId[];
  backends: ConcreteBackend[];
  seconds: number;
  /** Measurements per (task, backend) and per end-to-end example, interleaved with PyTorch's; medians reported. */
  rounds: number;
  torch: boolean;
  torchDevice: 'cpu' | 'cuda';
  /** PyTorch intra-op threads; 0 = PyTorch's own default (what a user gets). */
  torchThreads: number;
  e2e: boolean;
  /** undefined: on for full runs, off with --quick. */
  memory?: boolean;
  render: boolean;
  out?: string;
}

const USAGE =
  'usage: node dist/bench.js [--quick] [--tasks A,B,C,D] [--backends cpu,wasm,webgpu] [--seconds N] [--rounds N] [--no-torch] ' +
  '[--torch-device cpu|cuda] [--torch-threads N] [--no-e2e] [--memory|--no-memory] [--no-render] [--out FILE]';

function parseFlags(argv: string[]): Flags {
  const f: Flags = {
    quick: false,
    tasks: ['A', 'B', 'C', 'D'],
    backends: ['cpu', 'wasm', 'webgpu'],
    seconds: 0,
    rounds: 0,
    torch: true,
    torchDevice: 'cpu',
    torchThreads: 0,
    e2e: true,
    render: true,
  };
  const list = (v: string | undefined, name: string) => {
    if (!v) throw new Error(`${name} needs a value`);
    return v.split(',').map((s) => s.trim()).filter(Boolean);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [key, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    switch (key) {
      case '--quick':
        f.quick = true;
        break;
      case '--tasks':
        f.tasks = list(value(), '--tasks').map((t) => t.toUpperCase()) as TaskId[];
        for (const t of f.tasks) if (!(t in TASKS)) throw new Error(`--tasks: unknown task ${t} (A, B, C, D)`);
        break;
      case '--backends':
        f.backends = list(value(), '--backends') as ConcreteBackend[];
        for (const b of f.backends) {
          if (!['cpu', 'wasm', 'webgpu', 'native', 'cuda'].includes(b)) throw new Error(`--backends: unknown backend ${b}`);
        }
        break;
      case '--rounds':
        f.rounds = Number(value());
        if (!Number.isInteger(f.rounds) || f.rounds < 1) throw new Error('--rounds needs a positive whole number');
        break;
      case '--seconds':
        f.seconds = Number(value());
        if (!(f.seconds > 0)) throw new Error('--seconds needs a positive number');
        break;
      case '--no-torch':
        f.torch = false;
        break;
      case '--torch-device': {
        const d = value();
        if (d !== 'cpu' && d !== 'cuda') throw new Error('--torch-device is cpu or cuda');
        f.torchDevice = d;
        break;
      }
      case '--torch-threads':
        f.torchThreads = Number(value());
        if (!Number.isInteger(f.torchThreads) || f.torchThreads < 1) throw new Error('--torch-threads needs a positive integer');
        break;
      case '--no-e2e':
        f.e2e = false;
        break;
      case '--memory':
        f.memory = true;
        break;
      case '--no-memory':
        f.memory = false;
        break;
      case '--no-render':
        f.render = false;
        break;
      case '--out':
        f.out = value();
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a}\n${USAGE}`);
    }
  }
  if (!f.seconds) f.seconds = f.quick ? 3 : 5;
  if (!f.rounds) f.rounds = f.quick ? 1 : 3;
  f.memory ??= !f.quick;
  return f;
}

/** The run with the median value (a real run, not an average), with every round's value beside it. */
function medianRun<T extends { ok: boolean }>(runs: T[], value: (r: T) => number | undefined): T & { rounds?: number[] } {
  const ok = runs.filter((r) => r.ok && Number.isFinite(value(r)));
  if (!ok.length) return runs[runs.length - 1];
  const sorted = [...ok].sort((a, b) => (value(a) as number) - (value(b) as number));
  const mid = sorted[Math.floor((sorted.length - 1) / 2)];
  return runs.length > 1 ? { ...mid, rounds: ok.map((r) => value(r) as number) } : mid;
}

/** Each side's median whole-process time over the rounds. */
function medianE2e(results: E2eResult[]): E2eResult & { rounds?: number } {
  if (results.length === 1) return results[0];
  const pick = (side: (r: E2eResult) => E2eSide | undefined) => {
    const sides = results.map(side).filter((x): x is E2eSide => !!x);
    return sides.length ? medianRun(sides, (x) => x.totalMs) : undefined;
  };
  return { ...results[0], dlmodel: pick((r) => r.dlmodel) as E2eSide, torch: pick((r) => r.torch), rounds: results.length };
}

/** What one child measures: the cpu backend is far too slow for full CNN epochs, so it gets a few steps. */
function childPlan(task: TaskId, backend: ConcreteBackend, f: Flags): ChildArgs {
  const rows = f.quick ? Math.min(TASKS[task].rows, 8192) : TASKS[task].rows;
  if (backend === 'cpu' && task === 'C') return { task, backend, seconds: 1, rows: 1024, maxSteps: 2, warmup: 1 };
  return { task, backend, seconds: f.seconds, rows, maxSteps: 0, warmup: backend === 'webgpu' ? 3 : 5 };
}

async function spawnChild(a: ChildArgs): Promise<TfjsResult> {
  const args = [process.argv[1], '--child', JSON.stringify(a)];
  const r = await runProcess(process.execPath, args, { timeoutMs: (a.seconds + 240) * 1000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as TfjsResult;
  } catch {
    const why = r.code === null ? 'killed (time limit or memory)' : `exit ${r.code}`;
    return { kind: 'tfjs', task: a.task, backend: a.backend, ok: false, error: `${why}: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`, peakRssMb: 0 };
  }
}

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((cell, c) => (c === 0 || c === 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
}

/** The render bench of the dashboard (bench/render.ts), when this build has it. */
async function renderBench(): Promise<unknown> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('./render') as { runRenderBench?: (o?: { browser?: boolean }) => Promise<unknown> };
    return mod.runRenderBench ? await mod.runRenderBench() : { skipped: 'bench/render.ts has no runRenderBench()' };
  } catch (e) {
    return { skipped: `no render bench in this build (${(e as Error).message.split('\n')[0]})` };
  }
}

function resultsFile(f: Flags, root: string): string {
  if (f.out) return path.resolve(f.out);
  const date = new Date().toISOString().slice(0, 10);
  const host = os.hostname().replace(/[^A-Za-z0-9._-]/g, '_');
  const dir = path.join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  let file = path.join(dir, `${date}-${host}.json`);
  if (existsSync(file)) file = path.join(dir, `${date}-${host}-${new Date().toISOString().slice(11, 19).replace(/:/g, '')}.json`);
  return file;
}

async function main(): Promise<number> {
  const bundleDir = __dirname;
  const root = extensionRootFromBundle(bundleDir);
  if (process.argv[2] === '--child') {
    const r = await runChild(JSON.parse(process.argv[3]) as ChildArgs, root);
    process.stdout.write(JSON.stringify(r) + '\n');
    return 0;
  }
  let f: Flags;
  try {
    f = parseFlags(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const started = new Date();
  const cpus = os.cpus();
  console.log(`dlmodel bench ${started.toISOString()} on ${os.hostname()}: ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  let torch: TorchInfo | undefined;
  let torchMissing: string | undefined;
  const torchScript = scriptPath(bundleDir, 'torch_tasks.py');
  if (f.torch) {
    const t = findTorch();
    if ('missing' in t) torchMissing = t.missing;
    else if (!torchScript) torchMissing = 'bench/torch_tasks.py not found beside the bundle';
    else torch = t;
    if (torch && f.torchDevice === 'cuda' && !torch.cuda) {
      torchMissing = `torch ${torch.version} sees no CUDA device`;
      torch = undefined;
    }
    console.log(torch ? `PyTorch ${torch.version} (${torch.python}, ${f.torchDevice})` : `PyTorch: not measured: ${torchMissing}`);
    // dlmodel's own torch backend (the e2e examples) runs on the same Python.
    if (torch) process.env.DLMODEL_PYTHON ??= torch.python;
  }

  const tfjs: TfjsResult[] = [];
  const torchResults: TorchResult[] = [];
  // On a shared machine the speed drifts over minutes: each round measures every backend then PyTorch, back to
  // back, and the median of the rounds is reported (every round's number is kept in the JSON).
  for (const task of f.tasks) {
    const runs = new Map<string, TfjsResult[]>();
    const torchRuns: TorchResult[] = [];
    for (let round = 1; round <= f.rounds; round++) {
      const tag = f.rounds > 1 ? ` (round ${round}/${f.rounds})` : '';
      for (const backend of f.backends) {
        // The pure-JS cpu backend is measured on A and a few steps of C only (B adds nothing but minutes).
        if (backend === 'cpu' && (task === 'B' || task === 'D' || round > 1)) continue;
        const plan = childPlan(task, backend, f);
        process.stdout.write(`  task ${task} on ${backend}${tag} ... `);
        const r = await spawnChild(plan);
        runs.set(backend, [...(runs.get(backend) ?? []), r]);
        console.log(r.ok ? `${fmt(r.samplesPerSec)} samples/s (${r.label})` : `failed: ${r.error}`);
      }
      if (torch && torchScript) {
        process.stdout.write(`  task ${task} on PyTorch ${f.torchDevice}${tag} ... `);
        const r = await runTorchTask(torch, torchScript, task, { seconds: f.seconds, device: f.torchDevice, threads: f.torchThreads || undefined });
        torchRuns.push(r);
        console.log(r.ok ? `${fmt(r.samplesPerSec)} samples/s (${r.threads} threads${r.gpu ? `, ${r.gpu}` : ''})` : `failed: ${r.error}`);
      }
    }
    for (const list of runs.values()) tfjs.push(medianRun(list, (r) => r.samplesPerSec));
    if (torchRuns.length) torchResults.push(medianRun(torchRuns, (r) => r.samplesPerSec));
  }

  // Task B with 600,000 rows (10x), fed batch by batch: the inputs alone are 1.8 GB as float32 (how the
  // product's trainer holds them) and 0.45 GB as bytes.
  const memory: TfjsResult[] = [];
  if (f.memory) {
    for (const storage of ['float32', 'uint8'] as const) {
      process.stdout.write(`  memory: task B with 600,000 rows on wasm, inputs as ${storage} ... `);
      const r = await spawnChild({ task: 'B', backend: 'wasm', seconds: Math.min(f.seconds, 5), rows: 600_000, maxSteps: 0, warmup: 3, storage });
      memory.push(r);
      console.log(r.ok ? `peak RSS ${fmt(r.peakRssMb)} MB (${r.peakRssMb <= 2048 ? 'within' : 'OVER'} 2 GiB), ${fmt(r.samplesPerSec)} samples/s` : `failed: ${r.error}`);
    }
  }

  const e2e: E2eResult[] = [];
  const cliJs = path.join(bundleDir, 'cli.js');
  if (f.e2e) {
    const exampleScript = scriptPath(bundleDir, 'torch_example.py');
    // course-gender and iris against PyTorch; digits-cnn (not with --quick) for its accuracy and time.
    const examples = f.quick ? ['course-gender', 'iris'] : ['course-gender', 'iris', 'digits-cnn'];
    for (const ex of examples) {
      const dir = path.join(root, 'examples', ex);
      if (!exampleSpec(dir)) {
        console.log(`  e2e ${ex}: skipped (no examples/${ex}/*.dlmodel.json)`);
        continue;
      }
      if (!existsSync(cliJs)) {
        console.log(`  e2e ${ex}: skipped (no ${cliJs}; npm run build)`);
        continue;
      }
      // digits-cnn takes about a minute: one round.
      const rounds = ex === 'digits-cnn' ? 1 : f.rounds;
      const results: E2eResult[] = [];
      for (let round = 1; round <= rounds; round++) {
        process.stdout.write(`  e2e ${ex}${rounds > 1 ? ` (round ${round}/${rounds})` : ''} ... `);
        const r = await runE2e(dir, cliJs, 'wasm', torch, exampleScript, { torch: ex !== 'digits-cnn' });
        results.push(r);
        const side = (x: E2eSide | undefined) => (x ? (x.ok ? `${fmt(x.totalMs)} ms` : `failed: ${x.error}`) : '-');
        console.log(`dlmodel ${side(r.dlmodel)}, dlmodel torch ${side(r.dlmodelTorch)}, PyTorch ${r.torch ? (r.torch.ok ? `${fmt(r.torch.totalMs)} ms` : `failed: ${r.torch.error}`) : '-'}`);
      }
      e2e.push(medianE2e(results));
    }
  }

  const render = f.render ? await renderBench() : undefined;

  // ---- report ----
  console.log('\nSteady training throughput (samples/s), ratio to PyTorch measured back to back:');
  const rows: string[][] = [['task', 'backend', 'samples/s', 'vs PyTorch', 'peak MB', 'loss first->last']];
  for (const task of f.tasks) {
    const ref = torchResults.find((t) => t.task === task && t.ok);
    for (const r of tfjs.filter((x) => x.task === task)) {
      rows.push([
        task,
        r.ok ? r.label ?? r.backend : `${r.backend} (failed)`,
        fmt(r.samplesPerSec),
        ref?.samplesPerSec && r.samplesPerSec ? `${fmt((100 * r.samplesPerSec) / ref.samplesPerSec, 1)}%` : '-',
        fmt(r.peakRssMb),
        r.ok ? `${fmt(r.lossFirst, 3)}->${fmt(r.lossLast, 3)}` : (r.error ?? '').slice(0, 60),
      ]);
    }
    if (ref) rows.push([task, `PyTorch ${ref.device} (${ref.gpu ?? `${ref.threads} threads`})`, fmt(ref.samplesPerSec), '100%', fmt(ref.peakRssMb), `${fmt(ref.lossFirst, 3)}->${fmt(ref.lossLast, 3)}`]);
  }
  printTable(rows);
  if (e2e.length) {
    console.log('\nEnd to end, whole processes (ms): dlmodel train --backend wasm, --backend torch (torch-cpu), and the PyTorch script');
    const er: string[][] = [['example', 'who', 'total ms', 'CPU ms', 'first epoch ms', 'epochs', 'val_loss', 'val_accuracy']];
    for (const r of e2e) {
      for (const [who, side] of [[`dlmodel ${r.dlmodel.backend ?? r.backend}`, r.dlmodel], [`dlmodel ${r.dlmodelTorch?.backend ?? 'torch'}`, r.dlmodelTorch], ['PyTorch', r.torch]] as const) {
        if (!side) continue;
        const m = side.finalMetrics;
        er.push([r.example, who, fmt(side.totalMs), fmt(side.cpuMs), fmt(side.firstEpochMs), String(side.epochs ?? '-'), side.ok ? fmt(m?.val_loss, 4) : (side.error ?? '').slice(0, 60), fmt(m?.val_accuracy, 4)]);
      }
    }
    printTable(er);
  }

  const out = {
    startedAt: started.toISOString(),
    endedAt: new Date().toISOString(),
    host: os.hostname(),
    cpus: { count: cpus.length, model: cpus[0]?.model },
    loadAverageAtStart: os.loadavg(),
    node: process.version,
    flags: f,
    torch: torch ? { version: torch.version, python: torch.python, device: f.torchDevice } : { missing: torchMissing },
    tfjs,
    pytorch: torchResults,
    memory,
    e2e,
    render,
  };
  const file = resultsFile(f, root);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`\nresults: ${file}`);
  return tfjs.some((r) => !r.ok && r.backend === 'wasm') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`bench failed: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
