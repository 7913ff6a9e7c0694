// `npm run bench` (dist/bench.js): training speed of the TensorFlow.js backends against PyTorch, in one run.
//   node dist/bench.js [--quick] [--tasks A,B,C,D,E,F] [--backends cpu,wasm,webgpu] [--threads N] [--seconds N]
//                      [--rounds N] [--no-torch] [--no-e2e] [--memory|--no-memory] [--no-scaling]
//                      [--no-torch-backend] [--torch-device cpu|cuda] [--torch-threads N] [--out FILE]
// Every (task, backend, thread count) runs in its own child process, PyTorch right after it at 1 thread and at
// dlmodel's thread count (ratios measured back to back; the better PyTorch is the peer), so each peak memory
// figure belongs to one task; then dlmodel's own torch backend (the `torch-cpu` column, bench/torch-backend.ts).
// Results: bench/results/<date>-<host>.json, and the summary as markdown beside it (<date>-<host>.md).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConcreteBackend } from '../src/format/types';
import { exampleSpec, runE2e, type E2eResult, type E2eSide } from './e2e';
import { defaultThreads } from '../src/engine/backends/index';
import { busyMachine } from '../src/engine/threads';
import { TASK_IDS, TASKS, type TaskId } from './tasks';
import { extensionRootFromBundle, runChild, type ChildArgs, type TfjsResult } from './tfjs-runner';
import { findTorch, runProcess, runTorchTask, scriptPath, type TorchInfo, type TorchResult } from './torch';
import { prepareTorchBackend, runTorchBackend, type PreparedProgram, type TorchBackendResult } from './torch-backend';
import { summaryMarkdown, type SummaryRow } from './summary';

interface Flags {
  quick: boolean;
  tasks: TaskId[];
  backends: ConcreteBackend[];
  seconds: number;
  /** Measurements per (task, backend) and per end-to-end example, interleaved with PyTorch's; medians reported. */
  rounds: number;
  torch: boolean;
  /** dlmodel's own torch backend (the exported train.py) on the tasks: the `torch-cpu` column. */
  torchBackend: boolean;
  torchDevice: 'cpu' | 'cuda';
  /** PyTorch intra-op threads; 0 = at 1 thread and at dlmodel's thread count, the better one the peer. */
  torchThreads: number;
  /** dlmodel's threads on wasm (default: the machine's cores); wasm is also measured at 1 thread for the speed-up. */
  threads: number;
  scaling: boolean;
  e2e: boolean;
  /** The examples run end to end (default: course-gender, iris, and digits-cnn unless --quick). */
  examples?: string[];
  /** undefined: on for full runs, off with --quick. */
  memory?: boolean;
  render: boolean;
  out?: string;
}

const USAGE =
  'usage: node dist/bench.js [--quick] [--tasks A,B,C,D,E,F] [--backends cpu,wasm,webgpu] [--threads N] [--seconds N] [--rounds N] ' +
  '[--no-torch] [--no-torch-backend] [--torch-device cpu|cuda] [--torch-threads N] [--no-e2e] [--examples a,b] [--memory|--no-memory] [--no-scaling] [--no-render] [--out FILE]';

/** What each task must reach against PyTorch at its better thread count (issue 16). */
const TARGETS: Partial<Record<TaskId, number>> = { A: 0.8, B: 0.5, C: 0.5, D: 0.3 };

/** The scaling table: task A at these sizes, one full epoch each. */
const SCALING_ROWS = [10_000, 100_000, 1_000_000];

function parseFlags(argv: string[]): Flags {
  const f: Flags = {
    quick: false,
    tasks: [...TASK_IDS],
    backends: ['cpu', 'wasm', 'webgpu'],
    seconds: 0,
    rounds: 0,
    torch: true,
    torchBackend: true,
    torchDevice: 'cpu',
    torchThreads: 0,
    threads: defaultThreads(),
    scaling: true,
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
        for (const t of f.tasks) if (!(t in TASKS)) throw new Error(`--tasks: unknown task ${t} (${TASK_IDS.join(', ')})`);
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
      case '--no-torch-backend':
        f.torchBackend = false;
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
      case '--threads':
        f.threads = Number(value());
        if (!Number.isInteger(f.threads) || f.threads < 1) throw new Error('--threads needs a positive whole number');
        break;
      case '--no-scaling':
        f.scaling = false;
        break;
      case '--no-e2e':
        f.e2e = false;
        break;
      case '--examples':
        f.examples = list(value(), '--examples');
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
  if (f.quick) f.scaling = false;
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
function childPlan(task: TaskId, backend: ConcreteBackend, f: Flags, threads: number): ChildArgs {
  const rows = f.quick ? Math.min(TASKS[task].rows, 8192) : TASKS[task].rows;
  if (backend === 'cpu' && task === 'C') return { task, backend, seconds: 1, rows: 1024, maxSteps: 2, warmup: 1 };
  // dlmodel's thread count, kept, with the trainer's default choice for the network reported beside it.
  return { task, backend, seconds: f.seconds, rows, maxSteps: 0, warmup: backend === 'webgpu' ? 3 : 5, threads, decideThreads: threads > 1 };
}

/** A row of the summary (its printed fields in bench/summary.ts), with the better PyTorch's samples/s. */
interface TaskSummary extends SummaryRow {
  task: TaskId;
  peer?: number;
}

/**
 * A task's row. dlmodel's figure is what the trainer's default would run: `threads` threads, or one where
 * the network is too small for threads or the machine was busy when the bench started (`busy`).
 */
function summarize(task: TaskId, threads: number, tfjs: TfjsResult[], torch: TorchResult[], busy?: string, backendRuns: TorchBackendResult[] = []): TaskSummary {
  const wasmRuns = tfjs.filter((r) => r.task === task && r.backend === 'wasm' && r.ok);
  const many = wasmRuns.find((r) => !r.label?.startsWith('1 thread')) ?? wasmRuns[0];
  const one = threads > 1 ? wasmRuns.find((r) => r.label?.startsWith('1 thread')) : many;
  const note = threads > 1 ? many?.threadsNote ?? many?.autoNote ?? busy : undefined;
  const auto = note && one ? one : many;
  const wasm = auto?.samplesPerSec;
  const wasmN = many?.samplesPerSec;
  const wasm1 = one?.samplesPerSec;
  const t1 = torch.find((r) => r.task === task && r.ok && r.threads === 1)?.samplesPerSec;
  const tN = threads > 1 ? torch.find((r) => r.task === task && r.ok && r.threads === threads)?.samplesPerSec : undefined;
  const candidates: [number, number][] = [];
  if (t1) candidates.push([t1, 1]);
  if (tN) candidates.push([tN, threads]);
  const best = candidates.sort((a, b) => b[0] - a[0])[0];
  const ratio = wasm && best ? wasm / best[0] : undefined;
  const target = TARGETS[task];
  const tb = backendRuns.find((r) => r.task === task);
  return {
    task,
    title: TASKS[task].title,
    threads,
    threadsUsed: note ? 1 : many?.threads,
    threadsNote: note,
    wasm,
    wasmN,
    wasm1,
    speedup: wasmN && wasm1 && threads > 1 ? wasmN / wasm1 : undefined,
    torch1: t1,
    torchN: tN,
    peer: best?.[0],
    peerThreads: best?.[1],
    torchCpu: tb?.ok ? tb.samplesPerSec : undefined,
    torchCpuNote: tb ? (tb.ok ? tb.note : tb.error) : undefined,
    ratio,
    target,
    met: target !== undefined && ratio !== undefined ? ratio >= target : undefined,
  };
}

async function spawnChild(a: ChildArgs): Promise<TfjsResult> {
  const args = [process.argv[1], '--child', JSON.stringify(a)];
  const r = await runProcess(process.execPath, args, { timeoutMs: (a.seconds + (a.epoch ? 900 : 240)) * 1000 });
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

/** Whether the logical CPUs are cores of their own or hyperthreads sharing one (Linux sysfs), for the notes. */
function cpuTopology(count: number): string | undefined {
  try {
    const siblings = new Set<string>();
    for (let i = 0; i < count; i++) siblings.add(readFileSync(`/sys/devices/system/cpu/cpu${i}/topology/thread_siblings_list`, 'utf8').trim());
    return siblings.size === count ? 'one thread per core as the guest sees it' : `${siblings.size} core${siblings.size > 1 ? 's' : ''} with hyperthreads`;
  } catch {
    return undefined;
  }
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
  const loadAtStart = os.loadavg();
  console.log(`dlmodel bench ${started.toISOString()} on ${os.hostname()}: ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, load ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`);

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
  const backendResults: TorchBackendResult[] = [];
  const cliJs = path.join(bundleDir, 'cli.js');
  // The torch-cpu column: each task exported once (dlmodel export) into a temporary folder, run every round.
  const torchBackendWork = torch && f.torchBackend && f.torchDevice === 'cpu' && existsSync(cliJs) ? mkdtempSync(path.join(os.tmpdir(), 'dlmodel-bench-torch-')) : undefined;
  // The trainer's default takes one thread on a busy machine: judged, as the trainer does, before any work.
  const busyAtStart = busyMachine(cpus.length, loadAtStart[0]);
  if (busyAtStart) console.log(`note: ${busyAtStart}: dlmodel's default would train on one thread; both thread counts are measured`);
  // PyTorch at 1 thread and at dlmodel's thread count (the better one is the peer), unless --torch-threads.
  const torchThreadCounts = f.torchDevice === 'cuda' ? [0] : f.torchThreads ? [f.torchThreads] : [...new Set([1, f.threads])];
  // On a shared machine the speed drifts over minutes: each round measures every backend then PyTorch, back to
  // back, and the median of the rounds is reported (every round's number is kept in the JSON).
  for (const task of f.tasks) {
    const runs = new Map<string, TfjsResult[]>();
    const torchRuns = new Map<number, TorchResult[]>();
    const backendRuns: TorchBackendResult[] = [];
    let program: PreparedProgram | string | undefined;
    if (torch && torchBackendWork) {
      process.stdout.write(`  task ${task}: exporting it for dlmodel's torch backend ... `);
      program = await prepareTorchBackend(task, cliJs, root, torchBackendWork);
      console.log(typeof program === 'string' ? `no torch-cpu figure: ${program}` : `${program.rows.toLocaleString('en-US')} rows${program.note ? ` (${program.note})` : ''}`);
      if (typeof program === 'string') backendRuns.push({ kind: 'torch-backend', task, ok: false, error: program });
    }
    for (let round = 1; round <= f.rounds; round++) {
      const tag = f.rounds > 1 ? ` (round ${round}/${f.rounds})` : '';
      for (const backend of f.backends) {
        // The pure-JS cpu backend and WebGPU (a software adapter here) are measured in the first round only, and
        // cpu on A and a few steps of C only (the others add nothing but minutes).
        if (backend === 'cpu' && (!['A', 'C'].includes(task) || round > 1)) continue;
        if (backend === 'webgpu' && round > 1) continue;
        // wasm at dlmodel's thread count, then at one thread for the speed-up.
        const counts = backend === 'wasm' && f.threads > 1 ? [f.threads, 1] : [f.threads];
        for (const threads of counts) {
          const key = `${backend}/${threads}`;
          process.stdout.write(`  task ${task} on ${backend}${backend === 'wasm' ? ` at ${threads} thread${threads > 1 ? 's' : ''}` : ''}${tag} ... `);
          const r = await spawnChild(childPlan(task, backend, f, threads));
          // The one-thread measurement of a several-thread run, labelled apart in the tables.
          if (backend === 'wasm' && r.ok) {
            r.label = threads === 1 && f.threads > 1 ? `1 thread, ${r.label}` : `${r.threads ?? 1} thread${(r.threads ?? 1) > 1 ? 's' : ''}, ${r.label}`;
          }
          runs.set(key, [...(runs.get(key) ?? []), r]);
          console.log(r.ok ? `${fmt(r.samplesPerSec)} samples/s (${r.label}${r.threadsNote ? `; one thread: ${r.threadsNote}` : ''})` : `failed: ${r.error}`);
        }
      }
      if (torch && torchScript) {
        for (const threads of torchThreadCounts) {
          process.stdout.write(`  task ${task} on PyTorch ${f.torchDevice}${threads ? ` at ${threads} thread${threads > 1 ? 's' : ''}` : ''}${tag} ... `);
          const r = await runTorchTask(torch, torchScript, task, { seconds: f.seconds, device: f.torchDevice, threads: threads || undefined });
          torchRuns.set(threads, [...(torchRuns.get(threads) ?? []), r]);
          console.log(r.ok ? `${fmt(r.samplesPerSec)} samples/s (${r.threads} threads${r.gpu ? `, ${r.gpu}` : ''})` : `failed: ${r.error}`);
        }
      }
      if (torch && program && typeof program !== 'string') {
        process.stdout.write(`  task ${task} on dlmodel's torch backend (train.py --events)${tag} ... `);
        const r = await runTorchBackend(torch.python, program, f.seconds);
        backendRuns.push(r);
        console.log(r.ok ? `${fmt(r.samplesPerSec)} samples/s` : `failed: ${r.error}`);
      }
    }
    if (backendRuns.length) backendResults.push(medianRun(backendRuns, (r) => r.samplesPerSec));
    for (const list of runs.values()) tfjs.push(medianRun(list, (r) => r.samplesPerSec));
    for (const list of torchRuns.values()) torchResults.push(medianRun(list, (r) => r.samplesPerSec));
  }
  if (torchBackendWork) rmSync(torchBackendWork, { recursive: true, force: true });
  const summary = f.tasks.map((t) => summarize(t, f.threads, tfjs, torchResults, busyAtStart, backendResults));

  // Scaling: task A at 10k, 100k and 1M rows, one full epoch each (after the warm-up), dlmodel on wasm at its
  // thread count and PyTorch at its better thread count on task A: time per epoch and peak memory.
  const scaling: { rows: number; dlmodel: TfjsResult; torch?: TorchResult }[] = [];
  if (f.scaling && f.backends.includes('wasm')) {
    const peerThreads = summary.find((s) => s.task === 'A')?.peerThreads ?? 1;
    for (const rows of SCALING_ROWS) {
      process.stdout.write(`  scaling: task A, ${fmt(rows)} rows, one epoch ... `);
      const d = await spawnChild({ task: 'A', backend: 'wasm', seconds: 0, rows, maxSteps: 0, warmup: 5, threads: f.threads, autoThreads: true, epoch: true });
      let t: TorchResult | undefined;
      if (torch && torchScript && f.torchDevice === 'cpu') {
        t = await runTorchTask(torch, torchScript, 'A', { seconds: 0, device: 'cpu', threads: peerThreads, rows, epoch: true });
      }
      scaling.push({ rows, dlmodel: d, torch: t });
      console.log(`dlmodel ${d.ok ? `${fmt(d.epochS, 2)} s, ${fmt(d.peakRssMb)} MB` : `failed: ${d.error}`}; PyTorch ${t ? (t.ok ? `${fmt(t.epochS, 2)} s, ${fmt(t.peakRssMb)} MB` : `failed: ${t.error}`) : '-'}`);
    }
  }

  // Task B with 600,000 rows (10x), fed batch by batch: the inputs are 0.45 GB as bytes (how the trainer holds
  // images) and 1.8 GB as float32 (how it held them before). Target: 700 MB peak with bytes.
  const memory: TfjsResult[] = [];
  if (f.memory) {
    for (const storage of ['uint8', 'float32'] as const) {
      process.stdout.write(`  memory: task B with 600,000 rows on wasm, inputs as ${storage} ... `);
      const r = await spawnChild({ task: 'B', backend: 'wasm', seconds: Math.min(f.seconds, 5), rows: 600_000, maxSteps: 0, warmup: 3, storage, threads: f.threads, autoThreads: true });
      memory.push(r);
      const limit = storage === 'uint8' ? 700 : 2048;
      console.log(r.ok ? `peak RSS ${fmt(r.peakRssMb)} MB (${r.peakRssMb <= limit ? 'within' : 'OVER'} ${fmt(limit)} MB), ${fmt(r.samplesPerSec)} samples/s` : `failed: ${r.error}`);
    }
  }

  const e2e: E2eResult[] = [];
  if (f.e2e) {
    const exampleScript = scriptPath(bundleDir, 'torch_example.py');
    // course-gender and iris against PyTorch; digits-cnn (not with --quick) for its accuracy and time.
    const examples = f.examples ?? (f.quick ? ['course-gender', 'iris'] : ['course-gender', 'iris', 'digits-cnn']);
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
  console.log('\nSteady training throughput (samples/s), ratio to the better PyTorch measured back to back:');
  const rows: string[][] = [['task', 'backend', 'samples/s', 'vs PyTorch', 'peak MB', 'loss first->last']];
  for (const task of f.tasks) {
    // The peer: PyTorch at its better thread count; every PyTorch measurement is listed.
    const torchRows = torchResults.filter((t) => t.task === task && t.ok);
    const ref = [...torchRows].sort((x, y) => (y.samplesPerSec ?? 0) - (x.samplesPerSec ?? 0))[0];
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
    for (const t of torchRows) {
      const pct = ref?.samplesPerSec && t.samplesPerSec ? `${fmt((100 * t.samplesPerSec) / ref.samplesPerSec, 1)}%` : '-';
      rows.push([task, `PyTorch ${t.device} (${t.gpu ?? `${t.threads} threads`})`, fmt(t.samplesPerSec), pct, fmt(t.peakRssMb), `${fmt(t.lossFirst, 3)}->${fmt(t.lossLast, 3)}`]);
    }
  }
  printTable(rows);
  if (summary.length) {
    console.log(`\ndlmodel (wasm, threads as the trainer's default picks them) against PyTorch at its better thread count (1 or ${f.threads}), samples/s;`);
    console.log(`speed-up: wasm at ${f.threads} threads over 1 thread:`);
    const sr: string[][] = [['task', 'network', 'dlmodel (threads)', `wasm ${f.threads}t`, 'wasm 1t', 'speed-up', 'torch-cpu', 'PyTorch 1t', `PyTorch ${f.threads}t`, 'ratio', 'target']];
    for (const x of summary) {
      sr.push([
        x.task,
        x.title,
        `${fmt(x.wasm)} (${x.threadsUsed ?? '-'})`,
        fmt(x.wasmN),
        fmt(x.wasm1),
        x.speedup ? `${fmt(x.speedup, 2)}x` : '-',
        fmt(x.torchCpu),
        fmt(x.torch1),
        fmt(x.torchN),
        x.ratio ? `${fmt(x.ratio, 2)}x` : '-',
        x.target ? `${fmt(x.target, 1)}x ${x.met ? 'met' : 'NOT met'}` : '-',
      ]);
    }
    printTable(sr);
    for (const x of summary) if (x.threadsNote) console.log(`  ${x.task}: one thread by default: ${x.threadsNote}`);
  }
  if (scaling.length) {
    console.log('\nScaling, task A, one epoch (after the warm-up): seconds and peak RSS');
    const sc: string[][] = [['rows', 'who', 'epoch s', 'samples/s', 'peak MB', 'data s']];
    for (const x of scaling) {
      sc.push([fmt(x.rows), 'dlmodel wasm', fmt(x.dlmodel.epochS, 2), fmt(x.dlmodel.epochS ? x.rows / x.dlmodel.epochS : undefined), fmt(x.dlmodel.peakRssMb), fmt(x.dlmodel.dataS, 2)]);
      if (x.torch) sc.push([fmt(x.rows), `PyTorch ${x.torch.threads}t`, fmt(x.torch.epochS, 2), fmt(x.torch.epochS ? x.rows / x.torch.epochS : undefined), fmt(x.torch.peakRssMb), fmt(x.torch.dataS, 2)]);
    }
    printTable(sc);
  }
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
    loadAverageAtStart: loadAtStart,
    node: process.version,
    flags: f,
    torch: torch ? { version: torch.version, python: torch.python, device: f.torchDevice } : { missing: torchMissing },
    tfjs,
    pytorch: torchResults,
    torchBackend: backendResults,
    summary,
    scaling,
    memory,
    e2e,
    render,
  };
  const file = resultsFile(f, root);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`\nresults: ${file}`);
  if (summary.length) {
    const md = summaryMarkdown(summary, {
      date: started.toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
      host: os.hostname(),
      cpus: `${cpus.length} x ${cpus[0]?.model ?? 'cpu'}`,
      topology: cpuTopology(cpus.length),
      load: out.loadAverageAtStart,
      node: process.version,
      torch: torch?.version,
      rounds: f.rounds,
      seconds: f.seconds,
      quick: f.quick,
    });
    const mdFile = file.replace(/\.json$/, '') + '.md';
    writeFileSync(mdFile, md);
    console.log(`summary (markdown): ${mdFile}`);
  }
  return tfjs.some((r) => !r.ok && r.backend === 'wasm') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`bench failed: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
