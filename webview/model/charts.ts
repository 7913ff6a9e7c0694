// Small SVG charts built as scenes: weight and error histograms, predicted-vs-actual scatter, the
// decision-boundary heat map, and an image's pixels.
import type { DecisionBoundaryView } from '../../src/protocol/webview';
import { fmt } from '../../src/common/format';
import type { Histogram } from './histogram';
import type { Scene, Shape } from './scene';

const PAD = { l: 44, r: 10, t: 10, b: 30 };

function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function axes(shapes: Shape[], w: number, h: number, x: { min: number; max: number }, y: { min: number; max: number }, labels: { x: string; y: string }): void {
  const sx = (v: number): number => PAD.l + ((v - x.min) / (x.max - x.min || 1)) * (w - PAD.l - PAD.r);
  const sy = (v: number): number => h - PAD.b - ((v - y.min) / (y.max - y.min || 1)) * (h - PAD.t - PAD.b);
  shapes.push({ t: 'line', cls: 'axis', x1: PAD.l, y1: h - PAD.b, x2: w - PAD.r, y2: h - PAD.b });
  shapes.push({ t: 'line', cls: 'axis', x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: h - PAD.b });
  for (const t of niceTicks(x.min, x.max, 5)) shapes.push({ t: 'text', cls: 'tick', x: sx(t), y: h - PAD.b + 13, text: fmt(t, 3), anchor: 'middle' });
  for (const t of niceTicks(y.min, y.max, 4)) shapes.push({ t: 'text', cls: 'tick', x: PAD.l - 4, y: sy(t) + 4, text: fmt(t, 3), anchor: 'end' });
  shapes.push({ t: 'text', cls: 'axis-label', x: (PAD.l + w - PAD.r) / 2, y: h - 2, text: labels.x, anchor: 'middle' });
  if (labels.y) shapes.push({ t: 'text', cls: 'axis-label', x: 4, y: PAD.t + 2, text: labels.y, anchor: 'start' });
}

export function histogramScene(hist: Histogram, w: number, h: number, label: string): Scene {
  const shapes: Shape[] = [];
  const peak = Math.max(1, ...hist.counts);
  const n = hist.counts.length;
  const bw = (w - PAD.l - PAD.r) / n;
  hist.counts.forEach((c, i) => {
    const bh = (c / peak) * (h - PAD.t - PAD.b);
    const lo = hist.min + ((hist.max - hist.min) * i) / n;
    const hi = hist.min + ((hist.max - hist.min) * (i + 1)) / n;
    shapes.push({
      t: 'rect', cls: `bar ${hi <= 0 ? 'neg' : lo >= 0 ? 'pos' : 'zero'}`, x: PAD.l + i * bw + 0.5, y: h - PAD.b - bh, w: bw - 1, h: bh,
      data: { count: c, tip: `${fmt(lo)} .. ${fmt(hi)}: ${c}` },
    });
  });
  axes(shapes, w, h, { min: hist.min, max: hist.max }, { min: 0, max: peak }, { x: label, y: 'count' });
  return { width: w, height: h, shapes };
}

/** Predicted against actual values, with the ideal line y = x. */
export function scatterScene(actual: number[], predicted: number[], w: number, h: number, target: string): Scene {
  const shapes: Shape[] = [];
  const all = [...actual, ...predicted].filter(Number.isFinite);
  let min = Math.min(...all);
  let max = Math.max(...all);
  if (!all.length) {
    min = 0;
    max = 1;
  }
  if (max === min) {
    min -= 1;
    max += 1;
  }
  const r = { min, max };
  axes(shapes, w, h, r, r, { x: `actual ${target}`, y: `predicted ${target}` });
  const sx = (v: number): number => PAD.l + ((v - min) / (max - min)) * (w - PAD.l - PAD.r);
  const sy = (v: number): number => h - PAD.b - ((v - min) / (max - min)) * (h - PAD.t - PAD.b);
  shapes.push({ t: 'line', cls: 'ideal', x1: sx(min), y1: sy(min), x2: sx(max), y2: sy(max), data: { tip: 'ideal: predicted = actual' } });
  actual.forEach((a, i) => {
    shapes.push({ t: 'circle', cls: 'point', cx: sx(a), cy: sy(predicted[i]), r: 3, data: { tip: `actual ${fmt(a)}, predicted ${fmt(predicted[i])}` } });
  });
  return { width: w, height: h, shapes };
}

export interface BoundaryPoint {
  x: number;
  y: number;
  /** Class index (classification) or value (regression). */
  z: number;
  tip: string;
}

/** Heat map of the grid (class colour, opacity = confidence) with the validation rows on top. */
export function boundaryScene(b: DecisionBoundaryView, points: BoundaryPoint[], w: number, h: number): Scene {
  const shapes: Shape[] = [];
  const nx = b.xs.length;
  const ny = b.ys.length;
  const xr = { min: b.xs[0], max: b.xs[nx - 1] };
  const yr = { min: b.ys[0], max: b.ys[ny - 1] };
  const cw = (w - PAD.l - PAD.r) / nx;
  const ch = (h - PAD.t - PAD.b) / ny;
  const sx = (v: number): number => PAD.l + cw / 2 + ((v - xr.min) / (xr.max - xr.min || 1)) * (w - PAD.l - PAD.r - cw);
  const sy = (v: number): number => h - PAD.b - ch / 2 - ((v - yr.min) / (yr.max - yr.min || 1)) * (h - PAD.t - PAD.b - ch);
  let zMin = Infinity;
  let zMax = -Infinity;
  if (!b.classNames) for (const z of b.z) if (Number.isFinite(z)) { zMin = Math.min(zMin, z); zMax = Math.max(zMax, z); }
  const cells: Shape[] = [];
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const k = j * nx + i;
      const z = b.z[k];
      const cls = b.classNames ? `cell c${z % 8}` : 'cell value';
      const op = b.classNames ? 0.15 + 0.6 * Math.max(0, ((b.confidence?.[k] ?? 1) - 1 / b.classNames.length) / (1 - 1 / b.classNames.length)) : 0.1 + 0.8 * ((z - zMin) / (zMax - zMin || 1));
      cells.push({
        t: 'rect', cls, x: PAD.l + i * cw, y: h - PAD.b - (j + 1) * ch, w: cw + 0.5, h: ch + 0.5, fillOpacity: op,
        data: { tip: `${b.xName} ${fmt(b.xs[i])}, ${b.yName} ${fmt(b.ys[j])}: ${b.classNames ? `${b.classNames[z]} (${fmt((b.confidence?.[k] ?? 1) * 100, 3)}%)` : fmt(z)}` },
      });
    }
  }
  shapes.push({ t: 'g', cls: 'heatmap', data: { nx, ny }, children: cells });
  for (const p of points) {
    const cls = b.classNames ? `sample c${p.z % 8}` : 'sample value';
    shapes.push({ t: 'circle', cls, cx: sx(p.x), cy: sy(p.y), r: 3.5, data: { tip: p.tip } });
  }
  axes(shapes, w, h, xr, yr, { x: b.xName, y: b.yName });
  return { width: w, height: h, shapes };
}

/**
 * An image as a grid of pixels (grey or colour); `pixels` 0..255, `channels` per pixel. With values, each
 * pixel row is a group (`g.pixel-row`) holding its cells and their numbers: the matrix a network sees.
 */
export function pixelScene(width: number, height: number, channels: number, pixels: number[], cell: number, withValues: boolean): Scene {
  const shapes: Shape[] = [];
  for (let r = 0; r < height; r++) {
    const row: Shape[] = withValues ? [] : shapes;
    for (let c = 0; c < width; c++) {
      const k = (r * width + c) * channels;
      const v = channels >= 3 ? Math.round((pixels[k] + pixels[k + 1] + pixels[k + 2]) / 3) : pixels[k];
      // Greyscale through opacity of the foreground colour keeps the picture readable in every theme.
      row.push({ t: 'rect', cls: 'pixel', x: c * cell, y: r * cell, w: cell, h: cell, fillOpacity: v / 255, data: { tip: `[${r},${c}] = ${v}` } });
      // On dark ink the number takes the background colour, on light paper the foreground colour.
      if (withValues) row.push({ t: 'text', cls: `pixel-value ${v >= 128 ? 'on-ink' : 'on-paper'}`, x: c * cell + cell / 2, y: r * cell + cell / 2 + 3, text: String(v), anchor: 'middle' });
    }
    if (withValues) shapes.push({ t: 'g', cls: 'pixel-row', data: { row: r }, children: row });
  }
  return { width: width * cell, height: height * cell, shapes };
}
