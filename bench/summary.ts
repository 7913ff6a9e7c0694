// The bench's summary as a markdown table (written beside the results JSON as <results>.md), in the form README's
// Speed section and bench/README.md carry as is: the date, the machine, its load, then one row per task.

/**
 * A row of the summary: dlmodel on wasm at its thread count and at 1, its torch backend, PyTorch at 1 thread
 * and at dlmodel's count (bench/main.ts's TaskSummary adds the better PyTorch's figure).
 */
export interface SummaryRow {
  task: string;
  title: string;
  threads: number;
  /** Threads the trainer's default uses for this network, and why fewer than `threads`. */
  threadsUsed?: number;
  threadsNote?: string;
  /** dlmodel as the trainer runs it by default; wasm at `threads` threads; wasm at 1 thread. */
  wasm?: number;
  wasmN?: number;
  wasm1?: number;
  /** wasm at `threads` threads over wasm at 1 thread. */
  speedup?: number;
  /** dlmodel's torch backend (train.py as `--backend torch` runs it, PyTorch's default threads). */
  torchCpu?: number;
  /** Why there is no torch-cpu figure, or what it trained on when not the task's data. */
  torchCpuNote?: string;
  torch1?: number;
  torchN?: number;
  /** The better PyTorch's thread count. */
  peerThreads?: number;
  ratio?: number;
  target?: number;
  met?: boolean;
}

export interface SummaryMeta {
  date: string;
  host: string;
  cpus: string;
  load: number[];
  node: string;
  torch?: string;
  rounds: number;
  seconds: number;
  quick: boolean;
  /** How the machine's logical CPUs map to cores (from sysfs), when known. */
  topology?: string;
}

/** Speed-ups from 1 to more threads below this get a reason in the notes (issue 16). */
export const SPEEDUP_NOTE_BELOW = 1.5;

/**
 * Why a task gains little from a second thread, from the profiles (bench/profile.ts, numbers in bench/README.md):
 * the share of the step that runs on one thread whatever the pool's size bounds the speed-up (Amdahl).
 */
const SINGLE_THREADED: Record<string, string> = {
  A: 'every product is tiny (20x64 and 64x64 at batch 256, under 1 M multiply-adds): waking the pool costs about as much as the product, and half the step is single-threaded JavaScript (loss, activations, batch copy)',
  B: "the products split across threads, but the step's element-wise JavaScript, the batch copy and Adam run on one",
  C: 'the convolutions split across threads, but the pooling gradients, the conv backprop bookkeeping and tfjs-layers\' tape run on one',
  D: "each of the LSTM's 64 steps is a product too small to split ([64 x 64] x [64 x 256]) and its gate arithmetic, single-threaded JavaScript",
  E: 'the step is an embedding lookup and its gradient (a scatter-add over 12,800 rows, single-threaded) plus tiny products',
  F: "the products split across threads, but the step's element-wise JavaScript (the 784-wide sigmoid and loss) runs on one",
};

const fmt = (n: number | undefined, digits = 0) =>
  n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Why `x`'s speed-up from 1 thread is below SPEEDUP_NOTE_BELOW, or undefined when it is not. */
export function speedupReason(x: SummaryRow, meta: SummaryMeta): string | undefined {
  if (x.speedup === undefined || x.speedup >= SPEEDUP_NOTE_BELOW) return undefined;
  const why: string[] = [];
  if (meta.load[0] >= 1) why.push(`the machine was not idle (load average ${meta.load[0].toFixed(1)} at the start): a second thread competes with other processes, and XNNPACK's workers wait for each other at every product`);
  if (x.threadsNote && !/busy/.test(x.threadsNote)) why.push(x.threadsNote);
  const s = SINGLE_THREADED[x.task];
  if (s) why.push(s);
  return why.join('; ');
}

export function summaryMarkdown(rows: SummaryRow[], meta: SummaryMeta): string {
  const n = rows[0]?.threads ?? 1;
  const out: string[] = [];
  out.push(
    `Bench of ${meta.date} on ${meta.host} (${meta.cpus}${meta.topology ? `, ${meta.topology}` : ''}), load average at the start ${meta.load.map((l) => l.toFixed(2)).join(' ')}; ` +
      `Node ${meta.node}${meta.torch ? `, PyTorch ${meta.torch}` : ''}; ${meta.quick ? 'quick run, ' : ''}median of ${meta.rounds} round${meta.rounds > 1 ? 's' : ''} of ${meta.seconds} s per measurement. Samples/s of steady training:`,
  );
  out.push('');
  out.push(`| task | network | dlmodel wasm (threads) | wasm ${n}t | wasm 1t | speed-up 1→${n}t | torch-cpu | PyTorch 1t | PyTorch ${n}t | wasm / best PyTorch | target |`);
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const x of rows) {
    out.push(
      `| ${x.task} | ${x.title} | ${fmt(x.wasm)} (${x.threadsUsed ?? '-'}) | ${fmt(x.wasmN)} | ${fmt(x.wasm1)} | ${x.speedup ? `${fmt(x.speedup, 2)}x` : '-'} | ${fmt(x.torchCpu)} | ${fmt(x.torch1)} | ${fmt(x.torchN)} | ${x.ratio ? `${fmt(x.ratio, 2)}x` : '-'} | ${x.target ? `${fmt(x.target, 1)}x ${x.met ? 'met' : '**not met**'}` : '-'} |`,
    );
  }
  out.push('');
  out.push(
    `dlmodel wasm: as the trainer's default runs the network (one thread where it is too small for several, or the machine was busy). ` +
      `torch-cpu: dlmodel's own torch backend (the train.py \`dlmodel export\` writes, run with --events as \`--backend torch\` runs it, PyTorch's default threads). ` +
      `PyTorch: bench/torch_tasks.py, the same networks written by hand; the better thread count is the peer.`,
  );
  const notes = rows.map((x) => [x, speedupReason(x, meta)] as const).filter(([, w]) => w);
  if (notes.length) {
    out.push('');
    out.push(`Speed-up from 1 to ${n} threads below ${SPEEDUP_NOTE_BELOW}x, and why:`);
    for (const [x, w] of notes) out.push(`- ${x.task} (${fmt(x.speedup, 2)}x): ${w}.`);
  }
  const tc = rows.filter((x) => x.torchCpuNote);
  if (tc.length) {
    out.push('');
    out.push('torch-cpu notes:');
    for (const x of tc) out.push(`- ${x.task}: ${x.torchCpuNote}.`);
  }
  return out.join('\n') + '\n';
}
