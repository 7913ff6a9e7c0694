// Where a task's training time goes: trains one bench task under V8's sampling CPU profiler (node:inspector)
// and sums self time by what ran: wasm kernels (code inside the wasm module: XNNPACK and tfjs's C++
// kernels), the training step's own JavaScript (src/engine/step, optim, layers), our JavaScript kernels
// (src/engine/backends/wasm-kernels), tfjs-core/layers
// bookkeeping (engine, tape, kernel dispatch), batch assembly (data copies), garbage collection, idle
// (waiting on other threads), and the rest.
//   npx tsx bench/profile.ts [--tasks A,B,C] [--seconds 4] [--threads N] [--storage float32|uint8]
// Prints one table per task and one JSON line per task (for the notes in bench/README.md).
import { Session } from 'node:inspector';
import * as path from 'node:path';
import { loadBackend } from '../src/engine/backends/index';
import { TASKS, buildTask, compileForBench, makeData, trainSteps, type TaskId } from './tasks';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export type Category = 'wasm kernels' | 'step JS' | 'kernel JS' | 'tfjs bookkeeping' | 'batch copies' | 'GC' | 'idle/wait' | 'profiler' | 'other JS';

export function categorize(fn: string, url: string): Category {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)' || fn === '(program)' || /Atomics|wait/.test(fn)) return 'idle/wait';
  // The inspector session's own message dispatch (the profiler itself).
  if (fn === 'dispatch' && !url) return 'profiler';
  if (url.startsWith('wasm://') || /^\$?wasm-function|^js-to-wasm|^wasm-to-js/.test(fn)) return 'wasm kernels';
  if (/fillBatch|makeBatch|copyScaled/.test(fn) || /bench[/\\]tasks/.test(url) && /fill/.test(fn)) return 'batch copies';
  // The training step's own JavaScript: the dense step, the optimizer, the one-op LSTM's gate loops.
  if (/src[/\\]engine[/\\](step|optim|layers)/.test(url)) return 'step JS';
  // Our wasm training kernels written in JavaScript (pooling gradients, the patch matrix, segment sums).
  if (/src[/\\]engine[/\\]backends[/\\]wasm-kernels/.test(url)) return 'kernel JS';
  if (/tfjs-(core|layers|backend)/.test(url)) return 'tfjs bookkeeping';
  return 'other JS';
}

function post<T>(s: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => s.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));
}

export async function profileTask(task: TaskId, seconds: number, storage: 'float32' | 'uint8', threads?: number) {
  const root = path.resolve(__dirname, '..');
  const { tf, report } = await loadBackend('wasm', { extensionRoot: root, threads });
  const def = TASKS[task];
  const data = makeData(def, def.rows, 1, storage);
  const model = buildTask(tf, def, 7);
  compileForBench(tf, model, def);
  await trainSteps(tf, model, def, data, 5, { seed: 1 });
  const s = new Session();
  s.connect();
  await post(s, 'Profiler.enable');
  await post(s, 'Profiler.setSamplingInterval', { interval: 200 });
  await post(s, 'Profiler.start');
  const t0 = performance.now();
  const r = await trainSteps(tf, model, def, data, Number.MAX_SAFE_INTEGER, { seed: 2, stop: (d) => d >= 2 && performance.now() - t0 >= seconds * 1000 });
  const wall = performance.now() - t0;
  const { profile } = await post<{ profile: Profile }>(s, 'Profiler.stop');
  s.disconnect();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<Category, number>();
  const fns = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    if (!n) return;
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const c = categorize(n.callFrame.functionName, n.callFrame.url);
    totals.set(c, (totals.get(c) ?? 0) + dt);
    const key = `${c}: ${n.callFrame.functionName || '(anonymous)'} ${path.basename(n.callFrame.url)}`;
    fns.set(key, (fns.get(key) ?? 0) + dt);
  });
  // Shares of the training's own time: the profiler's message handling is left out.
  totals.delete('profiler');
  for (const k of [...fns.keys()]) if (k.startsWith('profiler:')) fns.delete(k);
  const sum = [...totals.values()].reduce((a, b) => a + b, 0);
  const steps = r.stepMs.length;
  return {
    task,
    backend: report.label,
    threads: report.threads,
    steps,
    samplesPerSec: (steps * def.batchSize) / (wall / 1000),
    msPerStep: wall / steps,
    share: Object.fromEntries([...totals].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, +(v / sum).toFixed(3)])),
    top: [...fns].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${(100 * v / sum).toFixed(1)}% ${k}`),
  };
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const tasks = (opt('--tasks') ?? 'A,B,C').split(',') as TaskId[];
  const seconds = Number(opt('--seconds') ?? 4);
  const threads = opt('--threads') ? Number(opt('--threads')) : undefined;
  const storage = (opt('--storage') ?? 'uint8') as 'float32' | 'uint8';
  for (const t of tasks) {
    const p = await profileTask(t, seconds, storage, threads);
    console.log(`task ${t} on ${p.backend} (${p.threads ?? 1} threads): ${p.samplesPerSec.toFixed(0)} samples/s, ${p.msPerStep.toFixed(2)} ms/step`);
    for (const [k, v] of Object.entries(p.share)) console.log(`  ${k.padEnd(18)} ${(100 * v).toFixed(1)}%`);
    for (const line of p.top) console.log(`    ${line}`);
    console.log(JSON.stringify(p));
  }
  process.exit(0);
}

if (require.main === module) void main();
