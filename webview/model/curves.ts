// What the loss and metric charts draw: per run, the training and validation values per epoch (and the
// loss per batch of the epoch in progress), smoothed and downsampled, on one shared x axis for uPlot.
import type { CurveSet } from '../../src/protocol/webview';
import { alignGroups, lowerBound, m4Indices, pick, pickY, type XYGroup } from './downsample';
import { emaSmoothTyped } from './smoothing';

export interface SeriesInfo {
  label: string;
  /** Index of the run in the curve sets (0 = the selected run). */
  run: number;
  metric: string;
  split: 'train' | 'val' | 'batch';
  /** The unsmoothed values, drawn faintly behind a smoothed series. */
  raw: boolean;
}

export interface ChartData {
  xs: number[];
  series: SeriesInfo[];
  ys: (number | null)[][];
  /** Points before downsampling, over all series. */
  points: number;
}

const NOT_METRICS = new Set(['epoch', 'ms', 'loss', 'val_loss', 'lr', 'round']);

/** Metric names found in the records (without `val_`), in first-seen order. */
export function metricNames(curves: readonly CurveSet[]): string[] {
  const seen = new Set<string>();
  for (const c of curves) {
    for (const k of Object.keys(c.epochs)) {
      const base = k.startsWith('val_') ? k.slice(4) : k;
      if (!NOT_METRICS.has(base) && !NOT_METRICS.has(k)) seen.add(base);
    }
  }
  return Array.from(seen);
}

export interface ChartOptions {
  /** EMA weight 0..0.99; 0 = no smoothing. */
  smoothing: number;
  /** Pixel-wide buckets for downsampling (about the chart width). */
  buckets: number;
  /** The visible x range when zoomed: the buckets then cover it alone (plus the points at or beyond its edges). */
  range?: { min: number; max: number };
}

/**
 * Data for one chart: `metric` = 'loss' or a metric name; each run contributes train and val series.
 * The columns are read in place (no copy per point): smoothing runs over the whole column (an EMA depends
 * on all that came before), then one shared M4 pass picks the points of all series of a run.
 */
export function chartData(curves: readonly CurveSet[], metric: string, opts: ChartOptions): ChartData {
  const groups: XYGroup[] = [];
  const series: SeriesInfo[] = [];
  let points = 0;
  const many = curves.length > 1;
  const smooth = opts.smoothing > 0;
  curves.forEach((c, run) => {
    const prefix = many ? `${c.label}: ` : '';
    const ex = c.epochs.epoch;
    const cols: ArrayLike<number | null>[] = [];
    // The raw columns choose the points kept; a smoothed series varies slowly within a pixel-wide
    // bucket, so it follows the same points (half the work with smoothing on).
    const raw: ArrayLike<number | null>[] = [];
    if (ex?.length) {
      for (const split of ['train', 'val'] as const) {
        const col = c.epochs[split === 'train' ? metric : `val_${metric}`];
        if (!col) continue;
        points += ex.length;
        raw.push(col);
        const info = { label: `${prefix}${split === 'train' ? 'train' : 'validation'} ${metric}`, run, metric, split };
        if (smooth) {
          cols.push(col, emaSmoothTyped(col, opts.smoothing));
          series.push({ ...info, label: `${info.label} (raw)`, raw: true }, { ...info, raw: false });
        } else {
          cols.push(col);
          series.push({ ...info, raw: false });
        }
      }
    }
    if (cols.length) {
      let from = 0;
      let to = ex.length;
      if (opts.range) {
        // From the last point at or before the left edge to the first at or after the right one.
        from = lowerBound(ex, opts.range.min);
        if (from === ex.length || ex[from] > opts.range.min) from = Math.max(0, from - 1);
        to = Math.min(ex.length, lowerBound(ex, opts.range.max) + 1);
      }
      const keep = m4Indices(ex, raw, opts.buckets, from, to);
      groups.push({ xs: pick(ex, keep), ys: cols.map((col) => pickY(col, keep)) });
    }
    const bx: number[] = [];
    const by: (number | null)[] = [];
    for (const b of c.batches) {
      const v = metric === 'loss' ? b.loss : b.metrics[metric];
      if (v === undefined) continue;
      bx.push(b.x);
      by.push(typeof v === 'number' && Number.isFinite(v) ? v : null);
    }
    if (bx.length) {
      points += bx.length;
      groups.push({ xs: bx, ys: [by] });
      series.push({ label: `${prefix}${metric} (this epoch, per batch)`, run, metric, split: 'batch', raw: false });
    }
  });
  if (!groups.length) return { xs: [], series, ys: [], points };
  const aligned = alignGroups(groups);
  return { xs: aligned.xs, series, ys: aligned.ys, points };
}
