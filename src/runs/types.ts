// What a training run writes into `.dlmodel/runs/<name>/<runId>/` (shared/spec/dlmodel-format.md, "Runs").
import type { RunBackend, Missing, Spec, Task } from '../format/types';
import type { Baseline } from '../coach/baseline';
import type { Insight } from '../coach/insights';
import type { TextEncoding } from '../data/text';
import type { ParamCounts } from '../common/params';
import type { Plan } from '../format/plan';

export type Row = Record<string, unknown>;

export const RUN_STATUSES = ['running', 'completed', 'failed', 'stopped', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One line of metrics.jsonl: `loss`, `val_loss`, each metric and its `val_` twin, and `ms`. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  ms: number;
  [metric: string]: number;
}

export type { ParamCounts } from '../common/params';

export interface RunJson {
  id: string;
  name: string;
  specPath: string;
  spec: Spec;
  specHash: string;
  status: RunStatus;
  backend: RunBackend | null;
  /** Human label, e.g. "CPU (WASM)", and why it was chosen over earlier ones on the ladder. */
  backendLabel?: string;
  backendDetail?: string;
  /** Threads the backend computed on (CPU backends), and why fewer than asked, when so. */
  threads?: number;
  threadsNote?: string;
  startedAt: string;
  endedAt?: string;
  epochs: number;
  epochsDone: number;
  finalMetrics?: Record<string, number>;
  error?: string;
  params?: ParamCounts;
  /** Process id of the trainer while running: a run found `running` whose process is gone is interrupted. */
  pid?: number;
  /** The run this one resumed from, if any. */
  resumedFrom?: string;
  /** The seed actually used (the spec's, or a random one recorded so the run can be repeated). */
  seed?: number;
  task?: Task;
  /** What always answering the most common class (or the mean) scores on the validation rows. */
  baseline?: Baseline;
  /** What the curves say, in words (src/coach/insights.ts). */
  insights?: Insight[];
  /** restoreBestWeights: the epoch whose weights model/ holds, when not the last; `finalMetrics` are its. */
  restoredEpoch?: number;
  /** Every choice the run used, defaults filled in (format/plan.ts). Runs before format 1.1 have none. */
  plan?: Plan;
  /** Pseudo-labels: epochs of each round (round 0 is the first fit), and how many rows each round adopted. */
  epochsPerRound?: number;
  rounds?: { round: number; adopted: number; unlabelled?: number }[];
}

/** preprocess.json: everything prediction needs to prepare inputs exactly as training did. */
export interface FeatureEncoding {
  column: string;
  kind: 'numeric' | 'onehot';
  /** Categories in encoding order, for one-hot columns. */
  categories?: string[];
  /** Fill value for a missing numeric value (training mean), when missing = "mean". */
  fill?: number;
}

export interface Normalization {
  kind: 'standard' | 'minmax' | 'none';
  /** Per encoded input value: mean/std for standard, min/max for minmax. */
  a: number[];
  b: number[];
}

export interface PreprocessJson {
  task: Task;
  features: FeatureEncoding[];
  /** Names of the encoded input values, in model input order (e.g. "garden=north"). */
  inputNames: string[];
  inputShape: number[];
  normalization: Normalization;
  target: string[];
  classNames?: string[];
  /** The values of data.label seen in training (autoencoders on image folders: the sub-folders). */
  labelNames?: string[];
  /** Regression targets are scaled for training; predictions are mapped back to the target's units. */
  targetScale?: { mean: number[]; std: number[] };
  image?: { width: number; height: number; channels: number };
  /** How training treated missing values; at prediction, `mean` fills numeric inputs with `fill`. */
  missing?: Missing;
  /** Text input: tokenization and the vocabulary fitted on the training split. */
  text?: TextEncoding;
  /** Sequence task: the target's tokenization and vocabulary. */
  targetText?: TextEncoding;
}

export interface Prediction {
  input: Record<string, unknown>;
  /** Regression: the values in the target's own units. Classification: all class probabilities. Sequence: the predicted text. */
  output: number[] | string;
  label?: string;
  confidence?: number;
  /** The known answer, for validation rows (an autoencoder's: the row's label, when it has one). */
  expected?: string | number | number[];
  /** Autoencoders: the code (the narrowest hidden layer's values), how badly the input was reconstructed
   *  (mean squared error over its prepared values: high means unlike the training data) and its cluster. */
  code?: number[];
  reconstructionError?: number;
  cluster?: number;
}

export interface PredictionsJson {
  runId: string;
  validation: Prediction[];
  predict: Prediction[];
}
