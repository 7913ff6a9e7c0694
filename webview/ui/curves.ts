// Loss and metric charts (uPlot): live per epoch and per batch, log scale, smoothing, drag-to-zoom with
// double-click to reset, values under the cursor in the legend, several runs overlaid.
import uPlot from 'uplot';
import type { CurveSet } from '../../src/protocol/webview';
import { epochCount } from '../../src/common/columns';
import { chartData, metricNames, type ChartData } from '../model/curves';
import { h } from './dom';
import { chartColors, themeKind, withAlpha } from './theme';

interface Chart {
  key: string;
  plot: uPlot;
  el: HTMLElement;
  zoomed: boolean;
  /** The x range shown while zoomed: the data is downsampled for it alone, so zooming in shows detail. */
  range?: { min: number; max: number };
}

export interface CurveOptions {
  smoothing: number;
  logScale: boolean;
}

export class CurvesView {
  private charts = new Map<string, Chart>();
  private last?: { curves: CurveSet[]; opts: CurveOptions };

  constructor(readonly root: HTMLElement) {
    new ResizeObserver(() => this.resize()).observe(root);
  }

  update(curves: CurveSet[], opts: CurveOptions): void {
    this.last = { curves, opts };
    // Epochs of the shown run, for tests that watch the curves grow.
    this.root.setAttribute('data-epochs', String(curves.length ? epochCount(curves[0].epochs) : 0));
    const names = curves.some((c) => epochCount(c.epochs) || c.batches.length) ? ['loss', ...metricNames(curves)] : [];
    for (const [name, chart] of this.charts) {
      if (!names.includes(name)) {
        chart.plot.destroy();
        chart.el.remove();
        this.charts.delete(name);
      }
    }
    if (!names.length) {
      if (!this.root.querySelector('.empty')) this.root.append(h('p', { cls: 'empty', text: 'No epochs yet: train the experiment to see its loss fall, epoch by epoch.' }));
      return;
    }
    this.root.querySelector('.empty')?.remove();
    const width = Math.max(260, this.root.clientWidth - 4);
    for (const name of names) this.draw(name, curves, opts, width);
  }

  private draw(metric: string, curves: CurveSet[], opts: CurveOptions, width: number): void {
    let chart = this.charts.get(metric);
    const range = chart?.zoomed ? chart.range : undefined;
    const data = chartData(curves, metric, { smoothing: opts.smoothing, buckets: Math.ceil(width), range });
    const key = [themeKind(), opts.logScale, width, ...data.series.map((s) => s.label)].join('|');
    const values = toUplot(data, opts.logScale);
    if (chart && chart.key === key) {
      setData(chart, values);
      chart.el.setAttribute('data-points', String(data.points));
      return;
    }
    if (chart) chart.plot.destroy();
    const el = chart?.el ?? h('div', { cls: 'chart', attrs: { 'data-metric': metric } });
    if (!chart) this.root.append(el);
    el.replaceChildren(h('h3', { text: metric === 'loss' ? 'Loss' : metric }));
    el.setAttribute('data-points', String(data.points));
    const colors = chartColors();
    const many = curves.length > 1;
    const series: uPlot.Series[] = [{ label: 'epoch', value: (_u, v) => (v === null || v === undefined ? '' : Number.isInteger(v) ? String(v) : v.toFixed(2)) }];
    for (const s of data.series) {
      const base = many ? colors.series[s.run % colors.series.length] : colors.series[s.split === 'val' ? 1 : s.split === 'batch' ? 2 : 0];
      series.push({
        label: s.label,
        stroke: s.raw ? withAlpha(base, 0.3) : base,
        width: s.raw ? 1 : s.split === 'batch' ? 1 : 2,
        dash: s.split === 'val' && many ? [6, 4] : s.split === 'batch' ? [2, 3] : undefined,
        spanGaps: true,
        value: (_u, v) => (v === null || v === undefined ? '' : Number(v.toPrecision(4)).toString()),
      });
    }
    const axis = { stroke: colors.foreground, grid: { stroke: withAlpha(colors.grid, 0.5), width: 1 }, ticks: { stroke: withAlpha(colors.grid, 0.5), width: 1 } };
    const created: Chart = {
      key,
      el,
      zoomed: false,
      plot: new uPlot({
        width,
        height: 200,
        scales: { x: { time: false }, y: opts.logScale ? { distr: 3 } : {} },
        axes: [{ ...axis, label: 'epoch' }, { ...axis, size: 56 }],
        series,
        cursor: { drag: { x: true, y: false, setScale: true } },
        legend: { live: true },
        hooks: {
          setSelect: [(u) => {
            if (u.select.width > 0) created.zoomed = true;
          }],
          setScale: [(u, scaleKey) => {
            const { min, max } = u.scales.x;
            if (scaleKey !== 'x' || !created.zoomed || min === undefined || max === undefined) return;
            if (created.range?.min === min && created.range.max === max) return;
            created.range = { min, max };
            // Outside uPlot's own scale update: redraw the zoomed span from the full columns.
            queueMicrotask(() => this.refine(metric, created));
          }],
        },
      }, values, el),
    };
    // uPlot resets the zoom on double-click itself; new data must then rescale again.
    created.plot.over.addEventListener('dblclick', () => {
      created.zoomed = false;
      created.range = undefined;
      this.refine(metric, created);
    });
    this.charts.set(metric, created);
  }

  /** Downsamples again for the chart's current x range (or the whole curve) and keeps the scales. */
  private refine(metric: string, chart: Chart): void {
    if (!this.last || this.charts.get(metric) !== chart) return;
    const { curves, opts } = this.last;
    const width = Math.max(260, this.root.clientWidth - 4);
    const data = chartData(curves, metric, { smoothing: opts.smoothing, buckets: Math.ceil(width), range: chart.zoomed ? chart.range : undefined });
    setData(chart, toUplot(data, opts.logScale));
  }

  private resize(): void {
    if (this.last) this.update(this.last.curves, this.last.opts);
  }
}

/**
 * New data on screen. uPlot redraws only when the scales are reset, so a zoomed chart takes the data with
 * a reset and gets its x range back in the same batch (its y range then fits the points in view).
 */
function setData(chart: Chart, values: uPlot.AlignedData): void {
  const range = chart.zoomed ? chart.range : undefined;
  if (!range) {
    chart.plot.setData(values, true);
    return;
  }
  chart.plot.batch(() => {
    chart.plot.setData(values, true);
    chart.plot.setScale('x', range);
  });
}

function toUplot(data: ChartData, log: boolean): uPlot.AlignedData {
  const ys = log ? data.ys.map((col) => col.map((v) => (v !== null && v > 0 ? v : null))) : data.ys;
  return [data.xs, ...ys] as uPlot.AlignedData;
}
