// The embedding plot as a scene: each frequent token at its 2-D PCA position, labelled; hovering a point
// lists its nearest neighbours in the full embedding space (from the host). Pure: no DOM.
import type { EmbeddingPointView } from '../../src/protocol/webview';
import type { Scene, Shape } from './scene';

const PAD = 14;

/** Tokens labelled in the plot (the most frequent); the others are dots with their tip. */
export const LABELLED = 80;

export function neighboursTip(p: EmbeddingPointView): string {
  const near = p.neighbours.map((n) => `${n.token} ${n.similarity.toFixed(2)}`).join(', ');
  return `"${p.token}" (id ${p.id}); nearest: ${near || 'none'}`;
}

export function embeddingScene(points: readonly EmbeddingPointView[], w: number, h: number, labelled = LABELLED): Scene {
  const shapes: Shape[] = [];
  if (!points.length) return { width: w, height: h, shapes };
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const p of points) {
    x0 = Math.min(x0, p.x);
    x1 = Math.max(x1, p.x);
    y0 = Math.min(y0, p.y);
    y1 = Math.max(y1, p.y);
  }
  // Labels run to the right of their dot: keep room for them on that side.
  const sx = (v: number): number => PAD + ((v - x0) / (x1 - x0 || 1)) * (w - 2 * PAD - 40);
  const sy = (v: number): number => h - PAD - ((v - y0) / (y1 - y0 || 1)) * (h - 2 * PAD);
  shapes.push({ t: 'line', cls: 'axis', x1: PAD, y1: sy(0), x2: w - PAD, y2: sy(0) });
  shapes.push({ t: 'line', cls: 'axis', x1: sx(0), y1: PAD, x2: sx(0), y2: h - PAD });
  const dots: Shape[] = [];
  const labels: Shape[] = [];
  points.forEach((p, i) => {
    const tip = neighboursTip(p);
    const cx = sx(p.x);
    const cy = sy(p.y);
    dots.push({ t: 'circle', cls: i < labelled ? 'token-point labelled' : 'token-point', cx, cy, r: 3, data: { tip, token: p.token } });
    if (i < labelled) labels.push({ t: 'text', cls: 'token-label', x: cx + 4, y: cy - 3, text: p.token, data: { tip } });
  });
  shapes.push({ t: 'g', cls: 'token-points', children: dots }, { t: 'g', cls: 'token-labels', children: labels });
  return { width: w, height: h, shapes };
}
