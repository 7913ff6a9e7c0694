// What one dashboard shows, kept on the host and sent whole as a snapshot. Trainer events update it in
// O(1) steps (append a point, replace the weights); reading files happens elsewhere (loader.ts).
// No `vscode` import: the unit tests drive this with plain trainer events.
import type { LayerSummary, LayerWeights, TrainerEvent } from '../../protocol/trainer';
import type {
  BaselineView, BatchPoint, DashboardSnapshot, DataPreviewView, DecisionBoundaryView, EpochPoint, FeatureView, ImageView, InsightView, LayerView,
  LayerWeightsView, LiveStatus, AutoencoderView, RoundView, ParamCountsView, PredictionsView, PredictResultView, RunItem,
  EmbeddingView, TextAsNumbersView,
} from '../../protocol/webview';
import { embeddingPoints } from '../../common/embedding';
import { describeBaseline, type Baseline } from '../../coach/baseline';
import type { Insight } from '../../coach/insights';
import type { Task } from '../../format/types';
import type { EpochRecord, ParamCounts, RunJson, RunStatus } from '../../runs/types';
import { ColumnTable } from '../../common/columns';
import { collapse, DIAGRAM_MAX_SHOWN } from '../../common/collapse';

// The webview protocol mirrors the trainer's and the run folder's shapes; these identity functions make
// the compiler check that the mirror still fits.
export const toLayerView = (l: LayerSummary): LayerView => l;
export const toParamsView = (p: ParamCounts): ParamCountsView => p;
export const toEpochPoint = (r: EpochRecord): EpochPoint => r;
const toStatusView = (s: RunStatus): RunItem['status'] => s;
const toInsightViews = (list: readonly Insight[]): InsightView[] => list.map(({ kind, epoch, message }) => ({ kind, epoch, message }));

export function baselineView(b: Baseline): BaselineView {
  return b.task === 'classification'
    ? { text: describeBaseline(b), metric: `${b.split === 'validation' ? 'val_' : ''}accuracy`, value: b.accuracy }
    : { text: describeBaseline(b), metric: `${b.split === 'validation' ? 'val_' : ''}mae`, value: b.mae };
}

export interface SpecInfo {
  name: string;
  description?: string;
  task?: Task;
  inputNames: string[];
  features: FeatureView[];
  target: string[];
  classNames?: string[];
  image?: { width: number; height: number; channels: number };
  layers: LayerView[];
  params?: ParamCountsView;
  problems: string[];
}

export interface RunData {
  /** Grows per epoch; snapshots carry its `columns()`. */
  epochs: ColumnTable;
  batches: BatchPoint[];
}

/** Kernels bigger than this travel as the sub-matrix the diagram draws (the trainer sends up to 200,000). */
export const SEND_WHOLE_KERNEL = 4096;

export function runItem(dir: string, run: RunJson): RunItem {
  return {
    dir, id: run.id, status: toStatusView(run.status), startedAt: run.startedAt, endedAt: run.endedAt, epochs: run.epochs,
    epochsDone: run.epochsDone, backendLabel: run.backendLabel ?? run.backend ?? undefined, learningRate: run.plan?.learningRate,
    finalMetrics: run.finalMetrics, error: run.error,
    baseline: run.baseline ? baselineView(run.baseline) : undefined,
    insights: run.insights ? toInsightViews(run.insights) : undefined,
    restoredEpoch: run.restoredEpoch,
  };
}

/**
 * The weights as the webview needs them: small kernels whole; large dense kernels cut to the rows and
 * columns the diagram draws (its collapse policy), so a 784x128 layer costs 121 numbers, not 100,352.
 */
export function weightsForTransport(layers: readonly LayerWeights[]): LayerWeightsView[] {
  return layers.map((w): LayerWeightsView => {
    const base: LayerWeightsView = { index: w.index, name: w.name, type: w.type, kernelShape: w.kernelShape, stats: w.stats };
    if (w.bias) base.bias = w.bias;
    if (!w.kernel) return base;
    if (w.kernel.length <= SEND_WHOLE_KERNEL) return { ...base, kernel: w.kernel };
    if (w.kernelShape.length !== 2) return base;
    const [inputs, units] = w.kernelShape;
    const rows = collapse(inputs, DIAGRAM_MAX_SHOWN).shown;
    const cols = collapse(units, DIAGRAM_MAX_SHOWN).shown;
    const kernel: number[] = [];
    for (const r of rows) for (const c of cols) kernel.push(w.kernel[r * units + c]);
    return { ...base, kernel, kernelRows: rows, kernelCols: cols };
  });
}

export class DashboardState {
  spec: SpecInfo;
  runs: RunItem[] = [];
  runJson = new Map<string, RunJson>();
  selectedRun?: string;
  compareRuns: string[] = [];
  data = new Map<string, RunData>();
  live?: LiveStatus;
  weights?: DashboardSnapshot['weights'];
  predictions?: PredictionsView;
  boundary?: DecisionBoundaryView;
  boundaryStatus?: string;
  predictResult?: PredictResultView;
  predictBusy = false;
  shownImage?: ImageView;
  autoencoder?: AutoencoderView;
  rounds?: RoundView[];
  /** What the trainer said while a run trained (run.json has it afterwards). */
  liveInsights = new Map<string, InsightView[]>();
  liveBaseline = new Map<string, BaselineView>();
  dataPreview?: DataPreviewView;
  textView?: TextAsNumbersView;
  embedding?: EmbeddingView;
  specLabel?: string;
  private seq = 0;
  /** The vocabulary (by id - 2) of a run with a text input, from its preprocess.json: labels the embedding plot. */
  private vocabulary?: { runDir: string; tokens: string[] };
  /** The last embedding rows of the selected run, kept until its vocabulary is known. */
  private embeddingRows?: { runDir: string; live: boolean; epoch: number; batch?: number; layer: string; dim: number; rows: number[] };

  constructor(readonly specPath: string, name: string) {
    this.spec = { name, inputNames: [], features: [], target: [], layers: [], problems: [] };
  }

  /** Switches the shown run; what belonged to the previous one goes. */
  select(runDir: string | undefined): void {
    if (runDir === this.selectedRun) return;
    this.selectedRun = runDir;
    this.compareRuns = this.compareRuns.filter((d) => d !== runDir);
    if (this.weights?.runDir !== runDir) this.weights = undefined;
    if (this.predictions?.runDir !== runDir) this.predictions = undefined;
    if (this.autoencoder?.runDir !== runDir) this.autoencoder = undefined;
    if (this.embedding?.runDir !== runDir) this.embedding = undefined;
    if (this.embeddingRows?.runDir !== runDir) this.embeddingRows = undefined;
    this.rounds = undefined;
    if (this.boundary?.runDir !== runDir) {
      this.boundary = undefined;
      this.boundaryStatus = undefined;
    }
    this.predictResult = undefined;
  }

  dataFor(runDir: string): RunData {
    let d = this.data.get(runDir);
    if (!d) {
      d = { epochs: new ColumnTable(), batches: [] };
      this.data.set(runDir, d);
    }
    return d;
  }

  /**
   * Applies one trainer event of this experiment. Returns what the caller must (re)read from disk:
   * `runs` after a run starts or ends, and the run folder's outputs once it has finished.
   */
  apply(e: TrainerEvent, runDir: string | undefined): { reloadRuns?: boolean; finishedRun?: string } {
    switch (e.type) {
      case 'started': {
        // A new run takes over the dashboard: its curves grow from nothing, its weights replace the last.
        this.select(e.runDir);
        this.data.set(e.runDir, { epochs: new ColumnTable(), batches: [] });
        if (e.layers.length) {
          this.spec.layers = e.layers.map(toLayerView);
          this.spec.problems = [];
        }
        this.spec.params = toParamsView(e.params);
        if (e.inputNames.length) this.spec.inputNames = e.inputNames;
        if (e.classNames) this.spec.classNames = e.classNames;
        this.live = { runDir: e.runDir, state: 'running', epoch: e.initialEpoch, epochs: e.epochs, backendLabel: e.backend.label };
        this.liveInsights.set(e.runDir, []);
        if (e.baseline) this.liveBaseline.set(e.runDir, baselineView(e.baseline));
        this.weights = undefined;
        this.predictions = undefined;
        this.autoencoder = undefined;
        this.embedding = undefined;
        this.embeddingRows = undefined;
        this.rounds = undefined;
        this.boundary = undefined;
        this.boundaryStatus = undefined;
        return { reloadRuns: true };
      }
      case 'batch': {
        if (!runDir) return {};
        const d = this.dataFor(runDir);
        const x = e.epoch - 1 + e.batch / Math.max(1, e.batchesPerEpoch);
        // A new epoch's first batch clears the previous epoch's batches (also when its epoch event was missed).
        if (d.batches.length && d.batches[d.batches.length - 1].x > x) d.batches = [];
        d.batches.push({ x, loss: e.loss, metrics: e.metrics });
        if (this.live && this.live.runDir === runDir) {
          this.live.batch = e.batch;
          this.live.batchesPerEpoch = e.batchesPerEpoch;
        }
        return {};
      }
      case 'epoch': {
        if (!runDir) return {};
        const d = this.dataFor(runDir);
        const rec = toEpochPoint(e.record);
        d.epochs.append(rec);
        d.batches = [];
        if (e.insights) this.liveInsights.set(runDir, toInsightViews(e.insights));
        if (this.live && this.live.runDir === runDir) {
          this.live = { ...this.live, epoch: rec.epoch, epochs: e.epochs, etaMs: e.etaMs, batch: undefined };
        }
        return {};
      }
      case 'weights':
        if (!runDir || runDir !== this.selectedRun) return {};
        this.weights = { runDir, epoch: e.epoch, batch: e.batch, layers: weightsForTransport(e.layers) };
        this.setEmbeddingWeights(runDir, e.layers, { live: true, epoch: e.epoch, batch: e.batch });
        return {};
      case 'log':
        return {};
      case 'codes': {
        if (!runDir || runDir !== this.selectedRun) return {};
        const prev = this.autoencoder?.runDir === runDir ? this.autoencoder : undefined;
        this.autoencoder = {
          runDir, live: true, epoch: e.epoch, points: e.points, inputNames: this.spec.inputNames, image: this.spec.image,
          examples: prev?.examples ?? [], unusual: prev?.unusual ?? [],
        };
        return {};
      }
      case 'round': {
        if (!runDir || runDir !== this.selectedRun) return {};
        this.rounds = [...(this.rounds ?? []).filter((r) => r.round !== e.round), { round: e.round, adopted: e.adopted, unlabelled: e.unlabelled }];
        return {};
      }
      case 'predictions':
        // The full set (validation rows included) is read from predictions.json when the run finishes.
        return {};
      case 'finished':
        if (this.live && (this.live.runDir === e.runDir || !this.live.runDir)) {
          this.live = { ...this.live, state: e.status, epoch: e.epochsDone, batch: undefined, etaMs: undefined };
        }
        if (runDir) this.dataFor(runDir).batches = [];
        // The plot stays until the saved model's embedding replaces it; it is no longer live.
        if (this.embedding?.runDir === e.runDir) this.embedding = { ...this.embedding, live: false };
        if (this.embeddingRows?.runDir === e.runDir) this.embeddingRows = { ...this.embeddingRows, live: false };
        if (e.insights) this.liveInsights.set(e.runDir, toInsightViews(e.insights));
        return { reloadRuns: true, finishedRun: e.runDir };
      case 'failed':
        if (this.live) this.live = { ...this.live, state: 'failed', message: e.message, batch: undefined, etaMs: undefined };
        else this.live = { state: 'failed', epoch: e.epoch ?? 0, epochs: 0, message: e.message, runDir: e.runDir };
        if (e.reason === 'invalid' && e.problems?.length) this.spec.problems = e.problems;
        return { reloadRuns: true, finishedRun: e.runDir };
      case 'exported':
        return {};
      default: {
        const never: never = e;
        return never;
      }
    }
  }

  /** A run's vocabulary (preprocess.json's `text.vocabulary`): the embedding plot's labels. */
  setVocabulary(runDir: string, tokens: string[]): void {
    this.vocabulary = { runDir, tokens };
    this.refreshEmbedding();
  }

  /** The embedding layer's first rows (the trainer's live weights, or the saved model's) of run `runDir`. */
  setEmbeddingWeights(runDir: string, layers: readonly LayerWeights[], at: { live: boolean; epoch: number; batch?: number }): void {
    const layer = layers.find((l) => l.embeddingRows?.length);
    if (!layer?.embeddingRows || runDir !== this.selectedRun) return;
    this.embeddingRows = { runDir, ...at, layer: layer.name, dim: layer.kernelShape[1] ?? 1, rows: layer.embeddingRows };
    this.refreshEmbedding();
  }

  private refreshEmbedding(): void {
    const e = this.embeddingRows;
    const v = this.vocabulary;
    if (!e || !v || e.runDir !== v.runDir) return;
    this.embedding = {
      runDir: e.runDir, live: e.live, epoch: e.epoch, batch: e.batch, layer: e.layer, dim: e.dim,
      points: embeddingPoints(e.rows, e.dim, v.tokens),
    };
  }

  /** The run folder's insights once written at the end, the trainer's live ones before. */
  private insightsOf(runDir: string): InsightView[] | undefined {
    const run = this.runJson.get(runDir);
    const done = run && run.status !== 'running' ? run.insights : undefined;
    return done ? toInsightViews(done) : this.liveInsights.get(runDir) ?? (run?.insights ? toInsightViews(run.insights) : undefined);
  }

  private baselineOf(runDir: string): BaselineView | undefined {
    const b = this.runJson.get(runDir)?.baseline;
    return b ? baselineView(b) : this.liveBaseline.get(runDir);
  }

  snapshot(trusted: boolean): DashboardSnapshot {
    const shown = [this.selectedRun, ...this.compareRuns].filter((d): d is string => !!d);
    const label = (dir: string): string => this.runJson.get(dir)?.id ?? dir.split(/[\\/]/).pop() ?? dir;
    return {
      seq: ++this.seq,
      specPath: this.specPath,
      specLabel: this.specLabel,
      name: this.spec.name,
      description: this.spec.description,
      task: this.spec.task,
      inputNames: this.spec.inputNames,
      features: this.spec.features,
      target: this.spec.target,
      classNames: this.spec.classNames,
      image: this.spec.image,
      layers: this.spec.layers,
      params: this.spec.params,
      problems: this.spec.problems,
      runs: this.runs,
      selectedRun: this.selectedRun,
      compareRuns: this.compareRuns,
      curves: shown.map((dir) => {
        const d = this.data.get(dir);
        return { runDir: dir, runId: label(dir), label: label(dir), epochs: d ? d.epochs.columns() : { epoch: new Float64Array(0) }, batches: d?.batches ?? [] };
      }),
      specs: shown.flatMap((dir) => {
        const r = this.runJson.get(dir);
        return r ? [{ runDir: dir, runId: r.id, spec: r.spec, plan: r.plan }] : [];
      }),
      live: this.live,
      weights: this.weights,
      predictions: this.predictions,
      boundary: this.boundary,
      boundaryStatus: this.boundaryStatus,
      predictResult: this.predictResult,
      predictBusy: this.predictBusy || undefined,
      shownImage: this.shownImage,
      autoencoder: this.autoencoder,
      rounds: this.rounds,
      insights: this.selectedRun ? this.insightsOf(this.selectedRun) : undefined,
      baseline: this.selectedRun ? this.baselineOf(this.selectedRun) : undefined,
      dataPreview: this.dataPreview,
      textView: this.textView,
      embedding: this.embedding,
      trusted,
    };
  }
}
