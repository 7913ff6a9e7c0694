// Layout of the network diagram: one column per layer, neurons as circles, weights as lines coloured by
// sign and thickened by magnitude, biases on the neurons, the activation and the parameter count under
// each layer. Wide layers collapse to their first and last neurons with "... N more"; layers whose output
// is a feature map (conv, pooling, images) are drawn as stacked maps with their filters and shape.
import { countParams } from '../../src/common/params';
import { collapse, DIAGRAM_MAX_SHOWN } from '../../src/common/collapse';

export { collapse, DIAGRAM_MAX_SHOWN };
import type { LayerView, LayerWeightsView } from '../../src/protocol/webview';
import { activationPath } from './activations';
import { fmt, fmtInt } from '../../src/common/format';
import type { Scene, Shape } from './scene';

export interface DiagramInput {
  layers: LayerView[];
  weights?: LayerWeightsView[];
  inputNames: string[];
  /** Class names (classification) or target columns (regression). */
  outputNames: string[];
  selectedLayer?: number;
}

export interface DiagramOptions {
  /** Width to fit into; the scene gets wider when the layers would be too close. */
  width?: number;
  /** Most neurons drawn per column, the "... N more" marker included. */
  maxShown?: number;
}

export type ColumnKind = 'neurons' | 'band' | 'maps';

export interface Column {
  layer: number;
  kind: ColumnKind;
  /** Real number of neurons (or values, for maps). */
  units: number;
  /** Indices of the neurons drawn. */
  shown: number[];
  /** y of each drawn neuron, parallel to `shown`. */
  ys: number[];
  x: number;
  /** y of the "... N more" marker, when the column is collapsed. */
  moreY?: number;
}

export interface Diagram {
  scene: Scene;
  columns: Column[];
  /** Lines drawn / real weight count, per layer with a kernel. */
  connections: { layer: number; drawn: number; real: number }[];
  totalParams: number;
  trainableParams: number;
}

const BAND_TYPES = new Set(['dropout', 'batchNormalization', 'activation', 'layerNormalization', 'gaussianNoise', 'gaussianDropout', 'alphaDropout']);

/** Output shape without the batch dimension. */
export function featureShape(layer: LayerView): number[] {
  const s = layer.outputShape[0] === null ? layer.outputShape.slice(1) : layer.outputShape;
  return s.map((d) => (d === null ? 0 : d));
}

export function columnKind(layer: LayerView): ColumnKind {
  const shape = featureShape(layer);
  if (shape.length <= 1) return BAND_TYPES.has(layer.type) && !layer.derived ? 'band' : 'neurons';
  return 'maps';
}


/** Weights per layer index: by name first, then in order over the layers that have parameters. */
export function matchWeights(layers: LayerView[], weights: LayerWeightsView[] | undefined): Map<number, LayerWeightsView> {
  const out = new Map<number, LayerWeightsView>();
  if (!weights?.length) return out;
  const byName = new Map(layers.map((l, i) => [l.name, i] as const));
  const rest: LayerWeightsView[] = [];
  for (const w of weights) {
    const i = byName.get(w.name);
    if (i !== undefined && layers[i].derived !== 'input') out.set(i, w);
    else rest.push(w);
  }
  if (rest.length) {
    const free = layers.map((l, i) => ({ l, i })).filter(({ l, i }) => l.params > 0 && l.derived !== 'input' && !out.has(i));
    rest.forEach((w, k) => {
      if (k < free.length) out.set(free[k].i, w);
    });
  }
  return out;
}

function title(layer: LayerView): string {
  if (layer.derived === 'input') return 'Input';
  if (layer.derived === 'output') return 'Output';
  const name = layer.type.replace(/^./, (c) => c.toUpperCase()).replace(/2d$/, '2D').replace(/1d$/, '1D');
  // An autoencoder's narrowest layer: what the dashboard's code space plots.
  return layer.code ? `${name} (code)` : name;
}

function shapeText(shape: number[]): string {
  return shape.join('×');
}

function subtitle(layer: LayerView, kind: ColumnKind, units: number, outputNames: string[]): string {
  const shape = featureShape(layer);
  if (layer.derived === 'input') return kind === 'maps' ? shapeText(shape) : `${fmtInt(units)} value${units === 1 ? '' : 's'}`;
  if (layer.derived === 'output') {
    if (outputNames.length > 1 && units === outputNames.length) return `${units} classes`;
    if (units === 1 && outputNames.length === 2) return `P(${outputNames[1]})`;
    return `${units} unit${units === 1 ? '' : 's'}`;
  }
  if (kind === 'maps') return shapeText(shape);
  if (kind === 'band') return '';
  return `${fmtInt(units)} unit${units === 1 ? '' : 's'}`;
}

const short = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);


export function layoutDiagram(input: DiagramInput, opts: DiagramOptions = {}): Diagram {
  const { layers, inputNames, outputNames } = input;
  const maxShown = Math.max(3, opts.maxShown ?? DIAGRAM_MAX_SHOWN);
  const weights = matchWeights(layers, input.weights);
  const kinds = layers.map(columnKind);
  const unitsOf = layers.map((l) => featureShape(l).reduce((a, b) => a * (b || 1), 1));

  const top = 46;
  const maxSlots = Math.max(3, ...layers.map((_, i) => (kinds[i] === 'neurons' ? Math.min(unitsOf[i], maxShown) : 4)));
  // Small networks (the course's 2-2-1) get big neurons; wide ones stay compact.
  const slotH = maxSlots <= 4 ? 54 : maxSlots <= 8 ? 40 : 30;
  const radius = maxSlots <= 4 ? 14 : maxSlots <= 8 ? 11 : 9;
  const bodyH = maxSlots * slotH;
  const hasInputNames = kinds[0] === 'neurons' && inputNames.length > 0;
  // Room for the labels beside the input and output neurons, as wide as the longest (at most 16 chars).
  const labelWidth = (names: string[]): number => 24 + 6.5 * Math.min(16, Math.max(0, ...names.map((n) => n.length)));
  const marginLeft = hasInputNames ? labelWidth(inputNames) : 40;
  const outputLabels = outputNames.length === 2 ? [...outputNames, `P(${outputNames[1]})`] : outputNames;
  const marginRight = layers.length && layers[layers.length - 1].derived === 'output' ? labelWidth(outputLabels) : 40;
  // Map columns need room for their stack and filters (about 90 px), neuron columns for their titles.
  const weightOf = (k: ColumnKind): number => (k === 'band' ? 0.45 : k === 'maps' ? 1.1 : 1);
  const totalWeight = kinds.reduce((a, k) => a + weightOf(k), 0) || 1;
  const minUnit = 80;
  const width = Math.max(opts.width ?? 900, marginLeft + marginRight + totalWeight * minUnit);
  const avail = width - marginLeft - marginRight;

  const columns: Column[] = [];
  let cum = 0;
  layers.forEach((_layer, i) => {
    const kind = kinds[i];
    const x = marginLeft + (avail * (cum + weightOf(kind) / 2)) / totalWeight;
    cum += weightOf(kind);
    const units = unitsOf[i];
    if (kind !== 'neurons') {
      columns.push({ layer: i, kind, units, shown: [], ys: [], x });
      return;
    }
    const { shown, gapAfter } = collapse(units, maxShown);
    const slots = shown.length + (gapAfter >= 0 ? 1 : 0);
    const y0 = top + (bodyH - slots * slotH) / 2 + slotH / 2;
    const ys: number[] = [];
    let slot = 0;
    let moreY: number | undefined;
    shown.forEach((_, k) => {
      ys.push(y0 + slot * slotH);
      slot++;
      if (k === gapAfter) {
        moreY = y0 + slot * slotH;
        slot++;
      }
    });
    columns.push({ layer: i, kind, units, shown, ys, x, moreY });
  });

  // Formulas under the columns: on a first row where they fit beside their neighbours, else on a second.
  const formulaRow = placeFormulas(layers.map((l, i) => (l.derived !== 'input' && l.formula ? { x: columns[i].x, text: l.formula } : undefined)), width);
  const bottom = formulaRow.includes(1) ? 90 : 78;
  const height = top + bodyH + bottom;

  const under: Shape[] = [];
  const over: Shape[] = [];
  const connections: Diagram['connections'] = [];

  // Connections: weight lines from the previous neuron column into a layer with a kernel; a plain arrow
  // between maps (whose weights are filters, drawn inside the map column).
  let prevNeurons: Column | undefined;
  let prevAny: Column | undefined;
  for (const col of columns) {
    const layer = layers[col.layer];
    const w = weights.get(col.layer);
    if (col.kind === 'neurons' && prevNeurons && prevAny?.kind !== 'maps' && layer.derived !== 'input' && layer.params > 0) {
      const src = prevNeurons;
      const inputs = src.units;
      const units = col.units;
      const at = kernelAccessor(w, inputs, units);
      const maxAbs = at ? at.maxAbs : 0;
      const lines: Shape[] = [];
      src.shown.forEach((a, ai) => {
        col.shown.forEach((b, bi) => {
          const v = at ? at.get(a, b) : undefined;
          const rel = v === undefined || maxAbs === 0 ? 0.35 : Math.abs(v) / maxAbs;
          lines.push({
            t: 'line',
            cls: `weight ${v === undefined ? 'unknown' : v >= 0 ? 'pos' : 'neg'}`,
            x1: src.x + radius, y1: src.ys[ai], x2: col.x - radius, y2: col.ys[bi],
            width: v === undefined ? 0.8 : 0.4 + 3.6 * rel,
            opacity: v === undefined ? 0.45 : 0.2 + 0.8 * rel,
            data: { layer: col.layer, from: a, to: b, value: v === undefined ? undefined : fmt(v), tip: `weight ${a} → ${b}${v === undefined ? '' : ` = ${fmt(v)}`}` },
          });
        });
      });
      connections.push({ layer: col.layer, drawn: lines.length, real: inputs * units });
      under.push({ t: 'g', cls: 'weights', data: { layer: col.layer, count: inputs * units, drawn: lines.length }, children: lines });
    } else if (prevAny?.kind === 'maps' && col.kind === 'neurons') {
      // Flatten: the maps are laid out as one long column of values, drawn as a fan into its neurons
      // (a straight line would run through the column's "… N more" marker).
      const from = prevAny;
      under.push({
        t: 'g', cls: 'unroll', data: { layer: col.layer },
        children: col.ys.map((y) => ({ t: 'line' as const, cls: 'flow unroll', x1: from.x + 14, y1: top + bodyH / 2 - 10, x2: col.x - radius, y2: y })),
      });
    } else if (prevAny && col.kind !== 'band') {
      under.push({ t: 'line', cls: 'flow', x1: prevAny.x + 24, y1: top + bodyH / 2, x2: col.x - 24, y2: top + bodyH / 2, data: { layer: col.layer } });
    }
    if (col.kind === 'neurons') prevNeurons = col;
    if (col.kind !== 'band') prevAny = col;
  }

  for (const col of columns) {
    const layer = layers[col.layer];
    const w = weights.get(col.layer);
    const children: Shape[] = [];
    const selected = input.selectedLayer === col.layer;
    children.push({ t: 'rect', cls: 'hit', x: col.x - 40, y: 4, w: 80, h: height - 8 });
    children.push({ t: 'text', cls: 'title', x: col.x, y: 16, text: title(layer), anchor: 'middle' });
    const sub = subtitle(layer, col.kind, col.units, outputNames);
    if (sub) children.push({ t: 'text', cls: 'subtitle', x: col.x, y: 31, text: sub, anchor: 'middle' });

    if (col.kind === 'neurons') {
      const bias = w?.bias && w.bias.length === col.units ? w.bias : undefined;
      let maxBias = 0;
      if (bias) for (const b of bias) maxBias = Math.max(maxBias, Math.abs(b));
      const isInput = layer.derived === 'input';
      const isOutput = layer.derived === 'output';
      col.shown.forEach((n, k) => {
        const y = col.ys[k];
        const b = bias?.[n];
        const cls = `neuron${isInput ? ' input' : ''}${isOutput ? ' output' : ''}${b === undefined ? '' : b >= 0 ? ' pos' : ' neg'}`;
        const name = isInput ? inputNames[n] : isOutput ? (outputNames.length === col.units ? outputNames[n] : col.units === 1 && outputNames.length === 2 ? `P(${outputNames[1]})` : outputNames[n]) : undefined;
        const tip = isInput
          ? `input ${n}${name ? `: ${name}` : ''}`
          : `${layer.name} unit ${n}${name ? ` (${name})` : ''}${b === undefined ? '' : `, bias = ${fmt(b)}`}`;
        children.push({
          t: 'circle', cls, cx: col.x, cy: y, r: radius,
          fillOpacity: b === undefined || maxBias === 0 ? undefined : 0.25 + 0.75 * (Math.abs(b) / maxBias),
          data: { layer: col.layer, index: n, bias: b === undefined ? undefined : fmt(b), tip },
        });
        if (b !== undefined && col.shown.length <= 12) {
          children.push({ t: 'text', cls: 'bias', x: col.x + radius + 3, y: y + radius + 4, text: fmt(b, 2), anchor: 'start' });
        }
        if (name && isInput) children.push({ t: 'text', cls: 'label', x: col.x - radius - 6, y: y + 4, text: short(name, 16), anchor: 'end' });
        if (name && isOutput) children.push({ t: 'text', cls: 'label', x: col.x + radius + 6, y: y + (b !== undefined && col.shown.length <= 12 ? -2 : 4), text: short(name, 16), anchor: 'start' });
      });
      if (col.moreY !== undefined) {
        children.push({ t: 'text', cls: 'more', x: col.x, y: col.moreY + 4, text: `… ${fmtInt(col.units - col.shown.length)} more`, anchor: 'middle' });
      }
    } else if (col.kind === 'band') {
      children.push({ t: 'rect', cls: `band ${layer.type}`, x: col.x - 7, y: top, w: 14, h: bodyH, data: { layer: col.layer, tip: `${layer.type}${layer.params ? `, ${layer.params} params` : ''}` } });
    } else {
      drawMaps(children, layer, col, w, top, bodyH);
    }

    // Activation glyph and name, then the learnable parameters with their formula.
    const glyphY = top + bodyH + 6;
    const act = layer.derived === 'input' ? undefined : layer.activation;
    const d = activationPath(act, col.x - 18, glyphY, 36, 18);
    if (d) {
      children.push({ t: 'line', cls: 'axis', x1: col.x - 18, y1: glyphY + 9, x2: col.x + 18, y2: glyphY + 9 });
      children.push({ t: 'path', cls: 'act-curve', d, data: { tip: `activation: ${act}` } });
    }
    if (act) children.push({ t: 'text', cls: 'activation', x: col.x, y: glyphY + 32, text: act, anchor: 'middle' });
    if (layer.derived !== 'input' && (layer.params > 0 || col.kind === 'neurons')) {
      children.push({
        t: 'text', cls: 'params', x: col.x, y: glyphY + 48, anchor: 'middle',
        text: `${fmtInt(layer.params)} params${layer.trainable ? '' : ' (frozen)'}`,
        data: { params: layer.params, tip: layer.formula ?? `${layer.params} parameters` },
      });
      const row = formulaRow[col.layer];
      if (layer.formula && row >= 0) {
        children.push({ t: 'text', cls: 'formula', x: col.x, y: glyphY + 62 + 12 * row, text: layer.formula, anchor: 'middle' });
      }
    }
    over.push({
      t: 'g',
      cls: `layer ${col.kind}${selected ? ' selected' : ''}${layer.trainable ? '' : ' frozen'}`,
      data: { layer: col.layer, kind: col.kind, type: layer.type, units: col.units, shown: col.shown.length, params: layer.params },
      children,
    });
  }

  const { total: totalParams, trainable: trainableParams } = countParams(layers);
  return { scene: { width, height, shapes: [...under, ...over] }, columns, connections, totalParams, trainableParams };
}

/** Width of a formula in the diagram's 10 px font, near enough to keep neighbours apart. */
export const formulaWidth = (text: string): number => 5.6 * text.length;

/**
 * The row (0 or 1) of each column's formula, -1 where it is left out (it stays in the tooltip): left to
 * right, each goes on the first row where it clears the last formula placed there and the scene's edges.
 */
export function placeFormulas(items: ({ x: number; text: string } | undefined)[], width: number): number[] {
  const ends = [-Infinity, -Infinity];
  return items.map((it) => {
    if (!it) return -1;
    const half = formulaWidth(it.text) / 2;
    if (it.x - half < 2 || it.x + half > width - 2) return -1;
    const row = ends.findIndex((end) => it.x - half >= end + 8);
    if (row >= 0) ends[row] = it.x + half;
    return row;
  });
}

/** Reads weight (input a -> unit b) from a whole kernel or from the sub-matrix the host sent. */
export function kernelAccessor(w: LayerWeightsView | undefined, inputs: number, units: number): { get(a: number, b: number): number | undefined; maxAbs: number } | undefined {
  if (!w?.kernel || w.kernelShape.length !== 2 || w.kernelShape[0] !== inputs || w.kernelShape[1] !== units) return undefined;
  const kernel = w.kernel;
  // The magnitude scale comes from the whole kernel's statistics, so a sub-matrix draws like the whole.
  const maxAbs = w.kernelRows ? Math.max(Math.abs(w.stats.min), Math.abs(w.stats.max)) : kernel.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (w.kernelRows && w.kernelCols) {
    const rows = new Map(w.kernelRows.map((r, i) => [r, i] as const));
    const cols = new Map(w.kernelCols.map((c, i) => [c, i] as const));
    const nc = w.kernelCols.length;
    return {
      maxAbs,
      get: (a, b) => {
        const r = rows.get(a);
        const c = cols.get(b);
        return r === undefined || c === undefined ? undefined : kernel[r * nc + c];
      },
    };
  }
  return { maxAbs, get: (a, b) => kernel[a * units + b] };
}

function drawMaps(children: Shape[], layer: LayerView, col: Column, w: LayerWeightsView | undefined, top: number, bodyH: number): void {
  const shape = featureShape(layer);
  const depth = shape[shape.length - 1] || 1;
  const stack = Math.min(5, depth);
  const size = 44;
  const cy = top + bodyH / 2;
  for (let k = stack - 1; k >= 0; k--) {
    children.push({ t: 'rect', cls: 'map', x: col.x - size / 2 + k * 4 - 8, y: cy - size / 2 - k * 4 - 10, w: size, h: size, data: { layer: col.layer, tip: `${layer.name}: ${shapeText(shape)}` } });
  }
  children.push({ t: 'text', cls: 'subtitle', x: col.x, y: cy + size / 2 + 4, text: `${depth} ${layer.type === 'conv2d' ? 'filters' : depth === 1 ? 'channel' : 'channels'}`, anchor: 'middle' });
  // Filters of a conv layer: the first input channel of up to 8 kernels, one small heat map each.
  if (w?.kernel && w.kernelShape.length === 4) {
    const [kh, kw, cin, filters] = w.kernelShape;
    // Few filters get bigger cells: four 3x3 filters of 6 px still fit the column's 88 px.
    const cell = Math.max(2, Math.min(filters <= 4 ? 6 : 5, Math.floor(18 / Math.max(kh, kw))));
    let maxAbs = 0;
    for (const v of w.kernel) maxAbs = Math.max(maxAbs, Math.abs(v));
    const nShow = Math.min(8, filters);
    const fw = kw * cell + 3;
    const x0 = col.x - (Math.min(4, nShow) * fw) / 2;
    const y0 = cy + size / 2 + 12;
    for (let f = 0; f < nShow; f++) {
      const ox = x0 + (f % 4) * fw;
      const oy = y0 + Math.floor(f / 4) * (kh * cell + 3);
      for (let r = 0; r < kh; r++) {
        for (let c = 0; c < kw; c++) {
          const v = w.kernel[((r * kw + c) * cin + 0) * filters + f];
          children.push({
            t: 'rect', cls: `filter-cell ${v >= 0 ? 'pos' : 'neg'}`, x: ox + c * cell, y: oy + r * cell, w: cell, h: cell,
            fillOpacity: maxAbs ? 0.15 + 0.85 * (Math.abs(v) / maxAbs) : 0.3,
            data: { tip: `filter ${f} [${r},${c}] = ${fmt(v)}` },
          });
        }
      }
    }
  }
}
