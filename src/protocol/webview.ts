// The boundary between the extension host and the dashboard webview (view type `dlmodel.dashboard`).
// The webview says `ready`; the host answers with a full `snapshot` of the dashboard state and sends a new
// full snapshot whenever something changes (at most ~10 per second). Snapshots are plain JSON values,
// except the curves' columns, which are Float64Arrays (see EpochColumns).
// Host and webview are built together and the webview always loads the host's current bundle, so the
// messages carry no protocol version. This module and src/common/ are all the webview bundle may import:
// its view types mirror the shapes of src/protocol/trainer.ts and src/runs/types.ts (the host checks the
// mirroring at compile time).

import type { RowReconstruction } from '../common/reconstruction';

export const DASHBOARD_VIEW_TYPE = 'dlmodel.dashboard';

export type TaskView = 'classification' | 'regression' | 'sequence' | 'autoencoder';
export type RunStatusView = 'running' | 'completed' | 'failed' | 'stopped' | 'interrupted';

/** One layer of the network as the layer summary describes it (input and output layers are derived). */
export interface LayerView {
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
  nonTrainableParams?: number;
  /** Derived layers: one label per unit when known, or a description such as "28x28x1 image". */
  labels?: string[];
}

export interface WeightStatsView {
  min: number;
  max: number;
  mean: number;
  std: number;
  histogram: number[];
  histMin: number;
  histMax: number;
}

/** The weights of one layer: the kernel whole when small, always its statistics. */
export interface LayerWeightsView {
  index: number;
  name: string;
  type: string;
  kernelShape: number[];
  /** Row-major kernel values: the whole kernel, or (with kernelRows/kernelCols) the rows x cols sub-matrix. */
  kernel?: number[];
  /** For a large dense kernel, the input rows and unit columns sent (those the diagram draws). */
  kernelRows?: number[];
  kernelCols?: number[];
  bias?: number[];
  stats: WeightStatsView;
}

export interface ParamCountsView {
  trainable: number;
  nonTrainable: number;
  total: number;
}

/** What the curves say (src/coach/insights.ts), as the dashboard shows it. */
export interface InsightView {
  kind: string;
  epoch?: number;
  message: string;
}

/** What always answering the most common class (or the mean) scores, in words, and as a number. */
export interface BaselineView {
  text: string;
  /** The metric it is comparable with ("val_accuracy", "val_mae") and its value there. */
  metric?: string;
  value?: number;
}

/** "What the network sees": the first rows as read beside the input vectors they become. */
export interface DataPreviewView {
  columns: string[];
  target: string[];
  inputNames: string[];
  rows: { line: number; values: unknown[]; input?: number[]; dropped?: string }[];
  dropped: { reason: string; count: number; firstLine: number }[];
  total: number;
  /** Whose encoding: a run's preprocess.json, or fitted on the spec's data now (no run yet). */
  from: string;
}

export interface RunItem {
  dir: string;
  id: string;
  status: RunStatusView;
  startedAt: string;
  endedAt?: string;
  epochs: number;
  epochsDone: number;
  backendLabel?: string;
  /** From the run's plan: the learning rate it really used, default or not. */
  learningRate?: number;
  finalMetrics?: Record<string, number>;
  error?: string;
  baseline?: BaselineView;
  insights?: InsightView[];
  /** restoreBestWeights: the epoch whose weights were saved (its metrics are `finalMetrics`). */
  restoredEpoch?: number;
}

/** One line of metrics.jsonl: `epoch`, `loss`, `val_loss`, each metric and `val_` twin, `ms`. */
export type EpochPoint = { epoch: number } & Record<string, number>;

/** Loss after a batch of the running epoch; `x` is the fractional epoch (epoch - 1 + batch / batches). */
export interface BatchPoint {
  x: number;
  loss: number;
  metrics: Record<string, number>;
}

/**
 * metrics.jsonl as columns: `epoch` and one Float64Array per key (`loss`, `val_loss`, each metric, `ms`),
 * all of the same length, NaN where a line lacks the key; `epoch` ascending. Typed arrays cross
 * postMessage as raw bytes (VS Code >= 1.57 moves them beside the JSON, the browser's structured clone
 * copies each as one block), so a 100,000-epoch curve costs a few memcpys instead of 600,000 numbers
 * to serialize, parse and clone.
 */
export type EpochColumns = Record<string, Float64Array>;

export interface CurveSet {
  runDir: string;
  runId: string;
  label: string;
  epochs: EpochColumns;
  /** Per-batch points of the epoch in progress (live runs only). */
  batches: BatchPoint[];
}

export interface LiveStatus {
  runDir?: string;
  state: 'queued' | 'running' | 'completed' | 'stopped' | 'failed';
  epoch: number;
  epochs: number;
  batch?: number;
  batchesPerEpoch?: number;
  etaMs?: number;
  backendLabel?: string;
  message?: string;
}

export interface PredictionView {
  input: Record<string, unknown>;
  /** Regression: values in the target's units. Classification: all class probabilities. */
  output: number[];
  label?: string;
  confidence?: number;
  expected?: string | number | number[];
}

export interface PredictionsView {
  runDir: string;
  validation: PredictionView[];
  predict: PredictionView[];
}

/** A grid of predictions over two features, in their original units (row-major: ys outer, xs inner). */
export interface DecisionBoundaryView {
  runDir: string;
  xName: string;
  yName: string;
  xs: number[];
  ys: number[];
  /** Classification: index of the predicted class; regression: the predicted value. */
  z: number[];
  /** Classification: the probability of the predicted class. */
  confidence?: number[];
  classNames?: string[];
}

export interface FeatureView {
  column: string;
  kind: 'numeric' | 'onehot';
  categories?: string[];
}

export interface ImageView {
  path: string;
  width: number;
  height: number;
  channels: number;
  /** Row-major pixel values 0..255, `channels` per pixel. */
  pixels: number[];
}

export interface PredictResultView {
  runDir: string;
  input: Record<string, unknown>;
  output?: number[];
  label?: string;
  confidence?: number;
  error?: string;
}

export interface RunSpecView {
  runDir: string;
  runId: string;
  spec: unknown;
  /** The run's plan (every choice as used, defaults filled in); runs before format 1.1 have none. */
  plan?: unknown;
}

/** An autoencoder's row in the code-space plot: its code in 2-D (PCA when wider), error, cluster and label. */
export interface CodePointView {
  row: number;
  x: number;
  y: number;
  error: number;
  cluster?: number;
  label?: string;
  /** The row as the user wrote it (features, or `{ file }` for an image). */
  input?: Record<string, unknown>;
}

/** A row beside its reconstruction, in the input's units (pixels 0..1 for images). */
export type ReconstructionView = RowReconstruction;

export interface AutoencoderView {
  runDir: string;
  /** True while training: `points` are a sample of rows after `epoch`, without clusters. */
  live: boolean;
  epoch?: number;
  codeLayer?: string;
  codeSize?: number;
  projection?: 'identity' | 'pca';
  points: CodePointView[];
  inputNames: string[];
  image?: { width: number; height: number; channels: number };
  examples: ReconstructionView[];
  /** Most unusual (highest reconstruction error) first. */
  unusual: ReconstructionView[];
  clusters?: number;
  /** Each cluster's purity against the label, and the cluster-by-label table. */
  report?: { labels: string[]; table: number[][]; clusters: { cluster: number; size: number; majority?: string; purity: number }[]; purity: number };
}

/** Pseudo-labels: how many unlabelled rows a round adopted. */
export interface RoundView {
  round: number;
  adopted: number;
  unlabelled?: number;
}

/** One position of a text as the model reads it: the token and its id; unknown (id 1) and padding (id 0) marked. */
export interface TokenCellView {
  token: string;
  id: number;
  kind: 'token' | 'unknown' | 'padding';
}

/** "Text as numbers", the counterpart of an image's pixel matrix: how a text input becomes token ids. */
export interface TextAsNumbersView {
  /** Whose vocabulary: a run's preprocess.json, or fitted on the spec's training split now (no run yet). */
  from: string;
  column: string;
  tokens: 'words' | 'characters';
  lowercase: boolean;
  maxLength: number;
  /** Ids the embedding reads: the vocabulary's tokens plus padding (0) and unknown (1). */
  vocabularySize: number;
  /** Share of the validation texts' tokens that are in the vocabulary; absent without validation rows. */
  coverage?: number;
  validationTexts: number;
  /** Texts (all rows) longer than maxLength, whose end was cut, of `texts`. */
  cut: number;
  texts: number;
  /** Validation rows to choose from: index among the validation rows, data line, start of the text. */
  choices: { row: number; line?: number; preview: string }[];
  /** The chosen validation row as the model reads it. */
  shown?: { row: number; line?: number; text: string; cells: TokenCellView[]; cut: string[]; unknown: number };
}

/** A token of the embedding plot: its vector in 2-D (PCA) and its nearest neighbours (cosine, full space). */
export interface EmbeddingPointView {
  token: string;
  id: number;
  x: number;
  y: number;
  neighbours: { token: string; similarity: number }[];
}

/** The learned embedding of the most frequent tokens: live from the trainer's weights, or the saved model's. */
export interface EmbeddingView {
  runDir: string;
  live: boolean;
  epoch: number;
  batch?: number;
  layer: string;
  dim: number;
  points: EmbeddingPointView[];
}

export interface DashboardSnapshot {
  seq: number;
  specPath: string;
  /** The spec's path relative to the workspace folder, for the header. */
  specLabel?: string;
  name: string;
  description?: string;
  task?: TaskView;
  /** Encoded input values in model order, e.g. "garden=north". */
  inputNames: string[];
  /** Raw feature columns, for the form that predicts a typed input. */
  features: FeatureView[];
  target: string[];
  classNames?: string[];
  image?: { width: number; height: number; channels: number };
  /** Layer summary including the derived input and output layers; empty when the spec is invalid. */
  layers: LayerView[];
  params?: ParamCountsView;
  /** Why the diagram cannot be drawn (invalid spec or data), one line each. */
  problems: string[];
  runs: RunItem[];
  selectedRun?: string;
  compareRuns: string[];
  /** Curves of the selected run first, then of the compared runs. */
  curves: CurveSet[];
  /** run.json plans (or, for older runs, spec snapshots) of the selected and compared runs, for their differences. */
  specs: RunSpecView[];
  live?: LiveStatus;
  weights?: { runDir: string; epoch: number; batch?: number; layers: LayerWeightsView[] };
  predictions?: PredictionsView;
  boundary?: DecisionBoundaryView;
  /** 'computing' while the host predicts the grid, or why it cannot. */
  boundaryStatus?: string;
  predictResult?: PredictResultView;
  predictBusy?: boolean;
  /** The image the user asked to see, with its pixels. */
  shownImage?: ImageView;
  /** Autoencoders: the code space, reconstructions and the most unusual rows of the selected run. */
  autoencoder?: AutoencoderView;
  /** Pseudo-labels: the selected run's rounds (validation accuracy per round comes from its curves). */
  rounds?: RoundView[];
  /** The selected (or running) run's insights: live while it trains. */
  insights?: InsightView[];
  baseline?: BaselineView;
  dataPreview?: DataPreviewView;
  /** Text inputs: a validation row's tokens and ids, the vocabulary's size and coverage. */
  textView?: TextAsNumbersView;
  /** Text inputs: the embedding of the most frequent tokens of the selected (or running) run. */
  embedding?: EmbeddingView;
  trusted: boolean;
}

// ---- host -> webview --------------------------------------------------------------------------------

export type HostToWebview =
  | { type: 'snapshot'; snapshot: DashboardSnapshot }
  | { type: 'notice'; level: 'info' | 'error'; message: string };

// ---- webview -> host --------------------------------------------------------------------------------

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'selectRun'; runDir: string }
  | { type: 'compareRuns'; runDirs: string[] }
  | { type: 'predict'; runDir?: string; input: Record<string, unknown> }
  | { type: 'requestDecisionBoundary'; runDir: string; resolution: number }
  | { type: 'requestImage'; path: string }
  /** Text as numbers for a validation row (its index among the validation rows). */
  | { type: 'showTextRow'; row: number }
  | { type: 'openRun'; runDir: string }
  | { type: 'openSpec' }
  | { type: 'train' }
  | { type: 'stop' };

export type WebviewToHostType = WebviewToHost['type'];

const WEBVIEW_MESSAGE_TYPES: ReadonlySet<string> = new Set<WebviewToHostType>([
  'ready', 'selectRun', 'compareRuns', 'predict', 'requestDecisionBoundary', 'requestImage', 'showTextRow', 'openRun',
  'openSpec', 'train', 'stop',
]);

/** Checks a message from the webview before the host acts on it: the webview is untrusted input. */
export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  if (typeof m.type !== 'string' || !WEBVIEW_MESSAGE_TYPES.has(m.type)) return false;
  const type = m.type as WebviewToHostType;
  switch (type) {
    case 'ready':
      return true;
    case 'selectRun':
    case 'openRun':
      return typeof m.runDir === 'string';
    case 'compareRuns':
      return Array.isArray(m.runDirs) && m.runDirs.every((d) => typeof d === 'string');
    case 'predict':
      return typeof m.input === 'object' && m.input !== null && !Array.isArray(m.input) &&
        (m.runDir === undefined || typeof m.runDir === 'string');
    case 'requestDecisionBoundary':
      return typeof m.runDir === 'string' && typeof m.resolution === 'number';
    case 'requestImage':
      return typeof m.path === 'string';
    case 'showTextRow':
      return typeof m.row === 'number' && Number.isInteger(m.row) && m.row >= 0;
    case 'openSpec':
    case 'train':
    case 'stop':
      return true;
    default: {
      const never: never = type;
      return never;
    }
  }
}

export function isHostToWebview(value: unknown): value is HostToWebview {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (m.type === 'snapshot' && typeof m.snapshot === 'object' && m.snapshot !== null) ||
    (m.type === 'notice' && typeof m.message === 'string');
}

/** UI state the webview keeps with `setState` (never data: data comes again with the next snapshot). */
export interface DashboardUiState {
  /** Which experiment the panel shows: the serializer reopens it after a reload. */
  specPath?: string;
  selectedRun?: string;
  smoothing: number;
  logScale: boolean;
  selectedLayer?: number;
  predictionsView?: string;
  showPixels?: boolean;
}
