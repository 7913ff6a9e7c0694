// The other kinds of learning as pictures: an autoencoder's code space (every row's code in 2-D, coloured
// by label or cluster), and pseudo-label rounds (rows adopted, validation accuracy). Pure: no DOM.
import type { CodePointView, EpochColumns, RoundView } from '../../src/protocol/webview';
import { axes } from './charts';
import { fmt } from '../../src/common/format';
import type { Scene, Shape } from './scene';

const PAD = { l: 44, r: 10, t: 10, b: 30 };

export type ColourBy = 'label' | 'cluster' | 'error';

/** The colour classes' order: sorted labels (numbers by value), or cluster numbers. */
export function categoriesOf(points: readonly CodePointView[], by: 'label' | 'cluster'): string[] {
  const values = [...new Set(points.map((p) => (by === 'label' ? p.label : p.cluster === undefined ? undefined : String(p.cluster))).filter((v): v is string => v !== undefined))];
  return values.every((v) => v.trim() !== '' && Number.isFinite(Number(v))) ? values.sort((a, b) => Number(a) - Number(b)) : values.sort();
}

export function codeScene(points: readonly CodePointView[], w: number, h: number, by: ColourBy, selected?: number): Scene {
  const shapes: Shape[] = [];
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const xr = { min: Math.min(...xs, 0), max: Math.max(...xs, 0) };
  const yr = { min: Math.min(...ys, 0), max: Math.max(...ys, 0) };
  if (points.length) {
    xr.min = Math.min(...xs);
    xr.max = Math.max(...xs);
    yr.min = Math.min(...ys);
    yr.max = Math.max(...ys);
  }
  const sx = (v: number): number => PAD.l + ((v - xr.min) / (xr.max - xr.min || 1)) * (w - PAD.l - PAD.r);
  const sy = (v: number): number => h - PAD.b - ((v - yr.min) / (yr.max - yr.min || 1)) * (h - PAD.t - PAD.b);
  const cats = by === 'error' ? [] : categoriesOf(points, by);
  const index = new Map(cats.map((c, i) => [c, i]));
  let maxErr = 0;
  for (const p of points) maxErr = Math.max(maxErr, p.error);
  const dots: Shape[] = points.map((p) => {
    const key = by === 'label' ? p.label : by === 'cluster' && p.cluster !== undefined ? String(p.cluster) : undefined;
    const k = key === undefined ? undefined : index.get(key);
    const cls = by === 'error' ? 'sample value' : k === undefined ? 'sample unlabelled' : `sample c${k % 8}`;
    const tip = [`row ${p.row + 1}`, p.label !== undefined ? `label ${p.label}` : '', p.cluster !== undefined ? `cluster ${p.cluster}` : '', `error ${fmt(p.error, 3)}`].filter(Boolean).join(', ');
    const dot: Shape = { t: 'circle', cls: p.row === selected ? `${cls} selected` : cls, cx: sx(p.x), cy: sy(p.y), r: p.row === selected ? 5 : 3, data: { row: p.row, tip } };
    if (by === 'error') dot.fillOpacity = 0.15 + 0.85 * (maxErr > 0 ? p.error / maxErr : 0);
    return dot;
  });
  shapes.push({ t: 'g', cls: 'code-points', children: dots });
  axes(shapes, w, h, xr, yr, { x: 'code 1', y: 'code 2' });
  return { width: w, height: h, shapes };
}

/** The legend of a colouring: category name and its colour class. */
export function legendOf(points: readonly CodePointView[], by: ColourBy): { name: string; cls: string }[] {
  if (by === 'error') return [];
  return categoriesOf(points, by).map((c, i) => ({ name: by === 'cluster' ? `cluster ${c}` : c, cls: `c${i % 8}` }));
}

export interface RoundPoint extends RoundView {
  /** val_accuracy (or accuracy without validation rows) at the round's last epoch. */
  accuracy?: number;
}

/**
 * Each round with the accuracy it ended with; round 0 is the first fit on the labelled rows alone, so a
 * learner sees whether adopting unlabelled rows helped.
 */
export function roundPoints(rounds: readonly RoundView[], epochs: EpochColumns | undefined): RoundPoint[] {
  const round = epochs?.round;
  const acc = epochs?.val_accuracy ?? epochs?.accuracy;
  const last = new Map<number, number>();
  if (round && acc) for (let i = 0; i < round.length; i++) if (Number.isFinite(acc[i])) last.set(round[i], acc[i]);
  const all: RoundView[] = [{ round: 0, adopted: 0 }, ...rounds.filter((r) => r.round > 0)].sort((a, b) => a.round - b.round);
  return all.map((r) => {
    const p: RoundPoint = { ...r };
    const a = last.get(r.round);
    if (a !== undefined) p.accuracy = a;
    return p;
  });
}

/** Bars: rows adopted per round (left axis); dots and line: the accuracy each round ended with (right, 0..1). */
export function roundsScene(points: readonly RoundPoint[], w: number, h: number, accuracyName: string): Scene {
  const shapes: Shape[] = [];
  const n = Math.max(1, points.length);
  // Bars out of the unlabelled rows (headroom for the numbers on top when only adopted counts are known).
  const top = Math.max(1, ...points.map((p) => p.unlabelled ?? p.adopted * 1.15));
  const bw = (w - PAD.l - PAD.r) / n;
  const plotH = h - PAD.t - PAD.b;
  let path = '';
  points.forEach((p, i) => {
    const bh = (p.adopted / top) * plotH;
    const x = PAD.l + i * bw;
    shapes.push({ t: 'rect', cls: 'bar adopted', x: x + bw * 0.15, y: h - PAD.b - bh, w: bw * 0.7, h: bh, data: { tip: `round ${p.round}: ${p.adopted} rows adopted${p.unlabelled ? ` of ${p.unlabelled}` : ''}` } });
    shapes.push({ t: 'text', cls: 'tick', x: x + bw / 2, y: h - PAD.b + 13, text: `round ${p.round}`, anchor: 'middle' });
    shapes.push({ t: 'text', cls: 'bar-value', x: x + bw / 2, y: h - PAD.b - bh - 3, text: String(p.adopted), anchor: 'middle' });
    if (p.accuracy !== undefined) {
      const cy = h - PAD.b - p.accuracy * plotH;
      path += `${path ? 'L' : 'M'}${(x + bw / 2).toFixed(1)},${cy.toFixed(1)}`;
      shapes.push({ t: 'circle', cls: 'accuracy', cx: x + bw / 2, cy, r: 4, data: { tip: `round ${p.round}: ${accuracyName} ${fmt(p.accuracy * 100, 3)}%` } });
      shapes.push({ t: 'text', cls: 'accuracy-value', x: x + bw / 2 + 6, y: cy - 6, text: `${fmt(p.accuracy * 100, 3)}%`, anchor: 'start' });
    }
  });
  if (path) shapes.splice(0, 0, { t: 'path', cls: 'accuracy-line', d: path });
  shapes.push({ t: 'line', cls: 'axis', x1: PAD.l, y1: h - PAD.b, x2: w - PAD.r, y2: h - PAD.b });
  shapes.push({ t: 'text', cls: 'axis-label', x: 4, y: PAD.t + 2, text: `bars: rows adopted · dots: ${accuracyName}`, anchor: 'start' });
  return { width: w, height: h, shapes };
}
