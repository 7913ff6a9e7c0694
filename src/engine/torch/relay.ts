// The trainer protocol, relayed from a train.py started with `--events`: it prints one TrainerEvent per
// line on standard output and reads "cancel" on standard input. The relay checks each line, turns the
// kernels of `weights` events (float32, base64) into the statistics and histograms the diagram draws, and
// keeps the end of standard error so that a Python that dies without a word still gets a sentence.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { EMBEDDING_ROWS_SENT, isTrainerEvent, WHOLE_WEIGHTS_LIMIT, type LayerWeights, type TrainerEvent } from '../../protocol/trainer';
import { weightStats } from '../../runs/weight-stats';

export interface RelayOptions {
  python: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  emit(e: TrainerEvent): void;
  cancelled(): boolean;
  /** Python's standard error, as it comes (a debug aid). */
  onStderr?(text: string): void;
}

export interface RelayResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The program's own `finished` or `failed` event (not passed to `emit`: the caller ends the run). */
  end?: Extract<TrainerEvent, { type: 'finished' | 'failed' }>;
  /** The last lines Python wrote on standard error. */
  stderrTail: string;
  /** Set when the program could not be started at all. */
  spawnError?: string;
}

type WireWeights = Omit<LayerWeights, 'stats' | 'kernel'> & { kernelBase64?: string; kernel?: number[] };

/** A `weights` layer from train.py (kernel as base64 float32) to the protocol's LayerWeights. */
export function decodeWireLayer(w: WireWeights): LayerWeights {
  const { kernelBase64, ...rest } = w;
  let values: Float32Array;
  if (kernelBase64 !== undefined) {
    const bytes = Buffer.from(kernelBase64, 'base64');
    // A copy into an aligned buffer: Buffer.from may hand out a slice of a shared pool at any offset.
    values = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(values.buffer).set(bytes);
  } else {
    values = Float32Array.from(w.kernel ?? []);
  }
  const out: LayerWeights = { ...rest, stats: weightStats(values) };
  delete (out as { kernel?: unknown }).kernel;
  // As dlmodel's own trainer sends them: an embedding's first rows (the dashboard's token map), other
  // kernels whole when small enough.
  if (w.type === 'Embedding') out.embeddingRows = Array.from(values.subarray(0, Math.min(values.length, EMBEDDING_ROWS_SENT * (w.kernelShape[1] ?? 1))));
  else if (values.length <= WHOLE_WEIGHTS_LIMIT) out.kernel = Array.from(values);
  return out;
}

export function runRelay(o: RelayOptions): Promise<RelayResult> {
  return new Promise((resolve) => {
    const child = spawn(o.python, o.args, { cwd: o.cwd, env: { ...process.env, ...o.env }, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    let end: RelayResult['end'];
    let stderrTail = '';
    let spawnError: string | undefined;
    let cancelSent = false;
    const poll = setInterval(() => {
      if (!cancelSent && o.cancelled()) {
        cancelSent = true;
        child.stdin.write('cancel\n');
      }
    }, 50);
    child.stdin.on('error', () => undefined);
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderrTail = (stderrTail + text).slice(-4000);
      o.onStderr?.(text);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        // A library printing on stdout: not an event, keep it with the debug output.
        o.onStderr?.(line + '\n');
        return;
      }
      if (!isTrainerEvent(msg)) return;
      if (msg.type === 'finished' || msg.type === 'failed') {
        end = msg;
        return;
      }
      if (msg.type === 'weights') {
        o.emit({ ...msg, layers: (msg.layers as WireWeights[]).map(decodeWireLayer) });
        return;
      }
      o.emit(msg);
    });
    child.on('error', (err) => {
      spawnError = err.message;
    });
    child.on('close', (exitCode, signal) => {
      clearInterval(poll);
      resolve({ exitCode, signal, end, stderrTail, spawnError });
    });
  });
}

/** The sentence a Python error comes down to: the last line of its message, no traceback. */
export function lastErrorLine(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1];
}
