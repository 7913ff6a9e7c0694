// The boundary between a host (the extension or the `dlmodel` command line) and a trainer child process.
// The child is started with `child_process.fork(dist/trainer.js)` and speaks over Node's IPC channel:
// the host sends exactly one `Job`, then possibly `cancel`; the child streams `TrainerEvent`s and exits.
// Every message is a plain JSON value, so both sides can validate with `isTrainerEvent` / `isHostMessage`.
import type { BackendName, RunBackend } from '../format/types';
import type { EpochRecord, ParamCounts, Prediction, RunStatus } from '../runs/types';
import type { Baseline } from '../coach/baseline';
import type { Insight } from '../coach/insights';

export const TRAINER_PROTOCOL_VERSION = 1;

// ---- host -> trainer --------------------------------------------------------------------------------

export interface TrainJob {
  kind: 'train';
  specPath: string;
  backend: BackendName;
  /** Extra folder to look for @tensorflow/tfjs-node(-gpu) in (the user's setting); never a workspace folder. */
  nativeBackendDir?: string;
  /** Threads for the CPU backends (`dlmodel.threads`, `--threads`); absent or 0: the machine's cores. */
  threads?: number;
  epochs?: number;
  seed?: number;
  /** Continue the run in this folder from its last checkpoint. */
  resume?: string;
  /** Overrides the runs folder (default: `.dlmodel/runs` beside the spec). */
  runsRoot?: string;
  /** Minimum interval between `batch` events, and between `weights` events, in ms. */
  progressIntervalMs?: number;
  weightsIntervalMs?: number;
  /** Autoencoders: send the code space (`codes`) after each epoch; default true. */
  liveCodes?: boolean;
  /** The Python for the `torch` backend (the `dlmodel.pythonPath` setting); else DLMODEL_PYTHON, else python3. */
  pythonPath?: string;
}

export interface PredictJob {
  kind: 'predict';
  specPath: string;
  backend: BackendName;
  nativeBackendDir?: string;
  /** Threads for the CPU backends; absent: one (a prediction is small, and workers take time to start). */
  threads?: number;
  /** A run folder; default: the latest completed run of the spec. */
  runDir?: string;
  /** Inputs to predict; default: the spec's `predict` block. */
  inputs?: Record<string, unknown>[];
  /** A file (CSV, JSON, JSONL, image folder or single image) of inputs. */
  inputPath?: string;
  runsRoot?: string;
}

/** `dlmodel export`: write the PyTorch program (train.py and its data) for the spec into `outDir`. */
export interface ExportJob {
  kind: 'export';
  specPath: string;
  to: 'pytorch';
  /** Default: `.dlmodel/export/<name>` beside the spec. */
  outDir?: string;
  seed?: number;
  runsRoot?: string;
}

export type Job = TrainJob | PredictJob | ExportJob;

export type HostMessage =
  | { type: 'job'; version: number; job: Job }
  /** Stop at the next batch boundary, save what is finished, and end with status `stopped`. */
  | { type: 'cancel' };

// ---- trainer -> host --------------------------------------------------------------------------------

export interface BackendAttempt {
  name: RunBackend;
  ok: boolean;
  /** Why it did not load (missing package, no adapter, ...) or what loaded (adapter name). */
  reason: string;
}

export interface BackendReport {
  name: RunBackend;
  /** For the status bar: "GPU (CUDA)", "WebGPU (llvmpipe)", "CPU (native)", "CPU (WASM)", "CPU (JS)". */
  label: string;
  attempts: BackendAttempt[];
  /** Threads the backend computes on (CPU backends), and why fewer than asked, when so. */
  threads?: number;
  threadsNote?: string;
}

/** Weights of one layer for the network diagram. Small layers whole, large ones summarized. */
export interface LayerWeights {
  index: number;
  name: string;
  type: string;
  /** Shape of the kernel, e.g. [inputs, units] for dense, [kh, kw, in, filters] for conv2d. */
  kernelShape: number[];
  /** Row-major kernel values, when the kernel has at most `WHOLE_WEIGHTS_LIMIT` values. */
  kernel?: number[];
  /**
   * An embedding's first rows only (`embeddingRows` of them: padding, unknown and the most frequent tokens,
   * which is what the embedding plot shows); its whole table can be megabytes, sent every half second.
   */
  embeddingRows?: number[];
  bias?: number[];
  /** Always present: summary statistics and a histogram of the kernel. */
  stats: { min: number; max: number; mean: number; std: number; histogram: number[]; histMin: number; histMax: number };
}

export const WHOLE_WEIGHTS_LIMIT = 200_000;
/** Rows of an embedding table sent live: ids 0 and 1 and the 300 most frequent tokens. */
export const EMBEDDING_ROWS_SENT = 302;

export interface LayerSummary {
  name: string;
  type: string;
  outputShape: (number | null)[];
  params: number;
  trainable: boolean;
  /** "2 x 2 + 2 = 6" for dense layers. */
  formula?: string;
  derived?: 'input' | 'output';
  /** An autoencoder's code layer (its narrowest hidden layer). */
  code?: boolean;
  units?: number;
  activation?: string;
  /** Of `params`, those training does not change (batch-norm moving statistics; all of a frozen layer). */
  nonTrainableParams?: number;
  /** Derived layers: one label per unit when known (input names, class names, target columns), or a
   *  description of an image input such as "28x28x1 image". */
  labels?: string[];
}

export type TrainerEvent =
  | {
      type: 'started';
      runId: string;
      runDir: string;
      backend: BackendReport;
      params: ParamCounts;
      layers: LayerSummary[];
      epochs: number;
      /** Epoch the run starts at (non-zero when resuming). */
      initialEpoch: number;
      inputNames: string[];
      classNames?: string[];
      samples: { train: number; validation: number };
      /** What always answering the most common class, or the mean, scores. */
      baseline?: Baseline;
    }
  | { type: 'batch'; epoch: number; batch: number; batchesPerEpoch: number; loss: number; metrics: Record<string, number> }
  /** `insights`: what the curves so far already show (live). */
  | { type: 'epoch'; record: EpochRecord; epochs: number; etaMs: number; insights?: Insight[] }
  | { type: 'weights'; epoch: number; batch?: number; layers: LayerWeights[] }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** Autoencoders: a sample of rows' codes in 2-D (PCA when wider) after an epoch. */
  | { type: 'codes'; epoch: number; points: { row: number; x: number; y: number; error: number; label?: string; input: Record<string, unknown> }[] }
  /** Pseudo-labels: a round adopted `adopted` of the `unlabelled` rows. */
  | { type: 'round'; round: number; adopted: number; unlabelled: number }
  | { type: 'predictions'; runDir: string; predictions: Prediction[]; classNames?: string[] }
  /** An export job's result: the folder, its train.py, and the command that runs it. */
  | { type: 'exported'; dir: string; script: string; run: string; files: string[] }
  | {
      type: 'finished';
      status: Extract<RunStatus, 'completed' | 'stopped'>;
      runDir: string;
      epochsDone: number;
      /** The saved model's metrics: the last epoch's, or the restored best epoch's. */
      metrics: Record<string, number>;
      /** Pseudo-labels: how many rows each round adopted. */
      rounds?: { round: number; adopted: number }[];
      insights?: Insight[];
      baseline?: Baseline;
      /** restoreBestWeights: the epoch whose weights were saved, when not the last. */
      restoredEpoch?: number;
    }
  | {
      type: 'failed';
      /** invalid: spec/data/arguments (exit 2); diverged/oom/crash: the run failed (exit 1). */
      reason: 'invalid' | 'diverged' | 'oom' | 'backend' | 'crash';
      message: string;
      runDir?: string;
      epoch?: number;
      /** Problems with places, for `invalid`: "FILE:LINE:COL: message" lines. */
      problems?: string[];
    };

export type TrainerEventType = TrainerEvent['type'];

const EVENT_TYPES: ReadonlySet<string> = new Set<TrainerEventType>([
  'started', 'batch', 'epoch', 'weights', 'log', 'codes', 'round', 'predictions', 'exported', 'finished', 'failed',
]);

export function isTrainerEvent(value: unknown): value is TrainerEvent {
  return typeof value === 'object' && value !== null && EVENT_TYPES.has((value as { type?: unknown }).type as string);
}

export function isHostMessage(value: unknown): value is HostMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; job?: { kind?: unknown } };
  if (m.type === 'cancel') return true;
  return m.type === 'job' && (m.job?.kind === 'train' || m.job?.kind === 'predict' || m.job?.kind === 'export');
}

/** Exit codes of the trainer process and the `dlmodel` command line. */
export const EXIT = { ok: 0, failed: 1, invalid: 2 } as const;
