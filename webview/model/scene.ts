// A tiny retained description of SVG shapes, built by pure layout code and turned into markup in one
// pass. Presentation attributes only (never `style="..."`): the webview's CSP forbids inline styles.
import { escapeXml } from '../../src/common/format';

export type Attrs = Record<string, string | number | undefined>;

export type Shape =
  | { t: 'g'; cls?: string; data?: Attrs; children: Shape[] }
  | { t: 'circle'; cls: string; cx: number; cy: number; r: number; data?: Attrs; fillOpacity?: number }
  | { t: 'line'; cls: string; x1: number; y1: number; x2: number; y2: number; width?: number; opacity?: number; data?: Attrs }
  | { t: 'rect'; cls: string; x: number; y: number; w: number; h: number; data?: Attrs; fillOpacity?: number }
  | { t: 'text'; cls: string; x: number; y: number; text: string; anchor?: 'start' | 'middle' | 'end'; data?: Attrs }
  | { t: 'path'; cls: string; d: string; data?: Attrs };

export interface Scene {
  width: number;
  height: number;
  shapes: Shape[];
}

const r2 = (v: number): number => Math.round(v * 100) / 100;

/** One shape as an element: its tag, every attribute in markup order, its text (for `text`). */
export interface ShapeMarkup {
  tag: 'g' | 'circle' | 'line' | 'rect' | 'text' | 'path';
  attrs: [string, string][];
  text?: string;
}

function common(cls: string | undefined, data: Attrs | undefined): [string, string][] {
  const out: [string, string][] = cls ? [['class', cls]] : [];
  if (data) {
    for (const k of Object.keys(data)) {
      const v = data[k];
      if (v !== undefined) out.push([`data-${k}`, String(v)]);
    }
  }
  return out;
}

/** The element a shape becomes; `sceneToSvg` writes it, the webview can also patch a drawn one with it. */
export function shapeMarkup(shape: Shape): ShapeMarkup {
  switch (shape.t) {
    case 'g':
      return { tag: 'g', attrs: common(shape.cls, shape.data) };
    case 'circle': {
      const a = common(shape.cls, shape.data);
      a.push(['cx', String(r2(shape.cx))], ['cy', String(r2(shape.cy))], ['r', String(r2(shape.r))]);
      if (shape.fillOpacity !== undefined) a.push(['fill-opacity', String(r2(shape.fillOpacity))]);
      return { tag: 'circle', attrs: a };
    }
    case 'line': {
      const a = common(shape.cls, shape.data);
      a.push(['x1', String(r2(shape.x1))], ['y1', String(r2(shape.y1))], ['x2', String(r2(shape.x2))], ['y2', String(r2(shape.y2))]);
      if (shape.width !== undefined) a.push(['stroke-width', String(r2(shape.width))]);
      if (shape.opacity !== undefined) a.push(['stroke-opacity', String(r2(shape.opacity))]);
      return { tag: 'line', attrs: a };
    }
    case 'rect': {
      const a = common(shape.cls, shape.data);
      a.push(['x', String(r2(shape.x))], ['y', String(r2(shape.y))], ['width', String(r2(Math.max(0, shape.w)))], ['height', String(r2(Math.max(0, shape.h)))]);
      if (shape.fillOpacity !== undefined) a.push(['fill-opacity', String(r2(shape.fillOpacity))]);
      return { tag: 'rect', attrs: a };
    }
    case 'text': {
      const a = common(shape.cls, shape.data);
      a.push(['x', String(r2(shape.x))], ['y', String(r2(shape.y))]);
      if (shape.anchor) a.push(['text-anchor', shape.anchor]);
      return { tag: 'text', attrs: a, text: shape.text };
    }
    case 'path':
      return { tag: 'path', attrs: [...common(shape.cls, shape.data), ['d', shape.d]] };
    default: {
      const never: never = shape;
      throw new Error(`unknown shape ${JSON.stringify(never)}`);
    }
  }
}

function write(shape: Shape, out: string[]): void {
  const m = shapeMarkup(shape);
  let s = `<${m.tag}`;
  for (const [k, v] of m.attrs) s += ` ${k}="${escapeXml(v)}"`;
  if (shape.t === 'g') {
    out.push(`${s}>`);
    for (const c of shape.children) write(c, out);
    out.push('</g>');
  } else if (m.text !== undefined) out.push(`${s}>${escapeXml(m.text)}</${m.tag}>`);
  else out.push(`${s}/>`);
}

/** Attributes of the scene's <svg> element. */
export function svgAttrs(scene: Scene, cls = ''): [string, string][] {
  const w = String(r2(scene.width));
  const h = String(r2(scene.height));
  return [['xmlns', 'http://www.w3.org/2000/svg'], ['class', cls], ['width', w], ['height', h], ['viewBox', `0 0 ${w} ${h}`]];
}

export function sceneToSvg(scene: Scene, cls = ''): string {
  const out: string[] = [`<svg${svgAttrs(scene, cls).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('')}>`];
  for (const s of scene.shapes) write(s, out);
  out.push('</svg>');
  return out.join('');
}

/** Counts shapes of a kind with a class, through groups (for tests and the benchmark). */
export function countShapes(shapes: Shape[], t: Shape['t'], cls: string): number {
  let n = 0;
  for (const s of shapes) {
    if (s.t === 'g') n += countShapes(s.children, t, cls);
    if (s.t === t && 'cls' in s && s.cls !== undefined && s.cls.split(' ').includes(cls)) n++;
  }
  return n;
}
