// The embedding plot as a scene: each frequent token at its 2-D PCA position, labelled; hovering a point
// lists its nearest neighbours in the full embedding space (from the host). Pure: no DOM.
import type { EmbeddingPointView } from '../../src/protocol/webview';
import type { Scene, Shape } from './scene';

const PAD = 14;

/** Tokens labelled in the plot (the most frequent); the others are dots with their tip. */
export const LABELLED = 80;
/** About the width of a character of a 10px label, to keep labels from overlapping. */
const LABEL_CHAR_PX = 6;

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
  // Most frequent first: a label that would overlap one already placed is left out (its dot keeps the tip).
  const placed: { x0: number; y0: number; x1: number; y1: number }[] = [];
  points.forEach((p, i) => {
    const tip = neighboursTip(p);
    const cx = sx(p.x);
    const cy = sy(p.y);
    let label = false;
    if (i < labelled) {
      const box = { x0: cx + 3, y0: cy - 12, x1: cx + 5 + LABEL_CHAR_PX * Array.from(p.token).length, y1: cy - 1 };
      label = !placed.some((b) => box.x0 < b.x1 && b.x0 < box.x1 && box.y0 < b.y1 && b.y0 < box.y1);
      if (label) placed.push(box);
    }
    dots.push({ t: 'circle', cls: label ? 'token-point labelled' : 'token-point', cx, cy, r: 3, data: { tip, token: p.token } });
    if (label) labels.push({ t: 'text', cls: 'token-label', x: cx + 4, y: cy - 3, text: p.token, data: { tip } });
  });
  shapes.push({ t: 'g', cls: 'token-points', children: dots }, { t: 'g', cls: 'token-labels', children: labels });
  return { width: w, height: h, shapes };
}
