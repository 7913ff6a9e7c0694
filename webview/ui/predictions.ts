// Predictions of the selected run: confusion matrix and rows (classification), predicted-vs-actual and
// error histogram (regression), the decision boundary for two features, images with their pixels, and a
// form that predicts a typed input.
import type { DashboardSnapshot, PredictionView } from '../../src/protocol/webview';
import type { BoundaryPoint } from '../model/charts';
import { boundaryScene, histogramScene, pixelScene, scatterScene } from '../model/charts';
import { classRows, confusionMatrix, expectedClass } from '../../src/common/classify';
import { differingPositions } from '../../src/common/text-diff';
import { fmt, fmtPercent } from '../../src/common/format';
import { histogram } from '../model/histogram';
import { regressionPoints } from '../model/regression';
import { sceneToSvg } from '../model/scene';
import { button, checkbox, dropdown, progressRing, textField } from './controls';
import { clear, h } from './dom';

export interface PredictionActions {
  predict(input: Record<string, unknown>): void;
  requestBoundary(runDir: string): void;
  requestImage(path: string): void;
  /** Text inputs: show validation row `row` as tokens and ids. */
  showTextRow(row: number): void;
  setShowPixels(show: boolean): void;
}

const MAX_ROWS = 100;

export function imagePathOf(input: Record<string, unknown>): string | undefined {
  for (const v of Object.values(input)) if (typeof v === 'string' && /\.(png|jpe?g)$/i.test(v)) return v;
  return undefined;
}

/** A text input is long: its start on one line (the title holds it whole). */
const TEXT_CHARS = 110;

function inputSummary(input: Record<string, unknown>, textColumn?: string): string {
  if (textColumn !== undefined) {
    const t = String(input[textColumn] ?? '').replace(/\s+/g, ' ').trim();
    return t.length > TEXT_CHARS ? `${t.slice(0, TEXT_CHARS - 1)}…` : t;
  }
  const img = imagePathOf(input);
  if (img) return img.split(/[\\/]/).slice(-2).join('/');
  return Object.entries(input).slice(0, 4).map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v, 3) : String(v)}`).join(', ') +
    (Object.keys(input).length > 4 ? ', …' : '');
}

/** A picture a few hundred pixels wide: small images are enlarged by whole pixels. */
function pictureCell(width: number, height: number): number {
  return Math.max(1, Math.min(8, Math.floor(200 / Math.max(width, height, 1))));
}

/** One bar per class with its probability. */
function probBars(classNames: string[], probs: number[]): HTMLElement {
  const bars = h('div', { cls: 'probs' });
  probs.forEach((p, i) => {
    const bar = h('span', { cls: 'bar' });
    bar.style.width = `${Math.round(p * 100)}%`;
    bars.append(h('div', { cls: 'prob' }, h('span', { cls: 'name', text: classNames[i] ?? String(i) }), h('span', { cls: 'track' }, bar), h('span', { cls: 'value', text: fmtPercent(p) })));
  });
  return bars;
}

export class PredictionsView {
  private resultsKey = '';
  private formKey = '';
  private boundaryKey = '';
  private imageKey = '';
  private scrollToImage: string | undefined;
  private requestedBoundary = new Set<string>();
  private readonly results = h('div', { cls: 'results', id: 'prediction-results' });
  private readonly boundary = h('div', { cls: 'boundary', id: 'boundary-view' });
  private readonly image = h('div', { cls: 'image-view', id: 'image-view' });
  private readonly form = h('div', { cls: 'predict-form', id: 'predict-form' });
  private readonly result = h('div', { cls: 'predict-result', id: 'predict-result' });

  constructor(root: HTMLElement, private readonly actions: PredictionActions) {
    root.append(this.results, this.boundary, this.image, h('h3', { text: 'Predict an input' }), this.form, this.result);
    this.results.addEventListener('click', (e) => {
      const t = (e.target as Element).closest('[data-text-row]');
      if (t) {
        e.preventDefault();
        this.actions.showTextRow(Number(t.getAttribute('data-text-row')));
        return;
      }
      const b = (e.target as Element).closest('[data-image]');
      if (!b) return;
      e.preventDefault();
      this.scrollToImage = b.getAttribute('data-image') as string;
      this.actions.requestImage(this.scrollToImage);
    });
  }

  update(snap: DashboardSnapshot, showPixels: boolean): void {
    this.updateResults(snap);
    this.updateBoundary(snap);
    this.updateImage(snap, showPixels);
    this.updateForm(snap);
    this.updateResult(snap);
  }

  private updateResults(snap: DashboardSnapshot): void {
    const p = snap.predictions;
    const key = JSON.stringify([p?.runDir, p?.validation.length, p?.predict.length, snap.classNames, snap.task, p && p.validation.length ? [p.validation[0].output, p.validation[0].label] : null, snap.textView?.column]);
    if (key === this.resultsKey) return;
    this.resultsKey = key;
    clear(this.results);
    if (!p) {
      this.results.append(h('p', { cls: 'empty', text: snap.selectedRun ? 'This run has no predictions yet: they are written when training ends.' : 'No run yet: train the experiment to see how it predicts its validation rows.' }));
      return;
    }
    if (!p.validation.length) {
      this.results.append(h('p', { cls: 'empty', text: 'This run has no validation rows (validationSplit is 0).' }));
      return;
    }
    const textColumn = snap.textView?.column;
    if (snap.task === 'sequence') this.sequence(p.validation, textColumn);
    else if (snap.classNames?.length) this.classification(p.validation, snap.classNames, textColumn);
    else this.regression(p.validation, snap.target[0] ?? 'target');
    if (p.predict.length) this.predictRows(p.predict, snap);
  }

  /** The inputs of the spec's `predict` section and what the run answers for each. */
  private predictRows(rows: PredictionView[], snap: DashboardSnapshot): void {
    const sequence = snap.task === 'sequence';
    const withConfidence = Boolean(snap.classNames?.length) || sequence;
    const textColumn = snap.textView?.column;
    const list = h('table', { cls: 'rows', id: 'predict-rows' });
    list.append(h('tr', {}, h('th', { text: '#' }), h('th', { text: 'input' }), h('th', { text: 'predicted' }), withConfidence ? h('th', { text: 'confidence' }) : undefined));
    rows.slice(0, MAX_ROWS).forEach((r, i) => {
      const img = imagePathOf(r.input);
      const inputCell = h('td', { cls: 'input', text: inputSummary(r.input, textColumn) });
      if (img) inputCell.append(' ', h('a', { cls: 'show-image', text: 'show', attrs: { 'data-image': img, href: '#' } }));
      const predicted = sequence ? JSON.stringify(r.label ?? '') : snap.classNames?.length ? r.label ?? '' : snap.target.map((t, k) => `${t} = ${fmt(r.output[k])}`).join(', ');
      list.append(h('tr', {}, h('td', { text: String(i + 1) }), inputCell, h('td', { text: predicted }),
        withConfidence ? h('td', { text: r.confidence !== undefined ? fmtPercent(r.confidence) : '' }) : undefined));
    });
    if (rows.length > MAX_ROWS) list.append(h('tr', {}, h('td', { attrs: { colspan: '4' }, text: `… ${rows.length - MAX_ROWS} more inputs` })));
    this.results.append(h('h3', { text: 'Predict inputs (the spec\'s predict section)' }), h('div', { cls: 'rows-scroll' }, list));
  }

  /** A text input's cell: its start, the whole text as the title, and a link to its tokens and ids. */
  private textCell(input: Record<string, unknown>, column: string, row: number): HTMLElement {
    const cell = h('td', { cls: 'input text', text: inputSummary(input, column), title: String(input[column] ?? '') });
    cell.append(' ', h('a', { cls: 'show-image', text: 'tokens', attrs: { 'data-text-row': String(row), href: '#' } }));
    return cell;
  }

  /** Sequence tasks: each validation text, expected and predicted, differing characters marked; mistakes first. */
  private sequence(rows: PredictionView[], textColumn?: string): void {
    const items = rows.map((r, index) => {
      const expected = r.expected === undefined ? '' : String(r.expected);
      const predicted = r.label ?? '';
      return { r, index, expected, predicted, right: expected === predicted };
    });
    const right = items.filter((i) => i.right).length;
    this.results.append(h('p', { cls: 'summary', id: 'val-sequence', text:
      `Validation: ${right} of ${items.length} texts predicted exactly (${fmtPercent(items.length ? right / items.length : 0)}). ` +
      'Differing characters are marked; tokenAccuracy and sequenceAccuracy per epoch are in the curves.' }));
    items.sort((a, b) => Number(a.right) - Number(b.right) || a.index - b.index);
    const list = h('table', { cls: 'rows sequence', id: 'sequence-rows' });
    list.append(h('tr', {}, h('th', { text: '#' }), h('th', { text: 'input' }), h('th', { text: 'expected' }), h('th', { text: 'predicted' }), h('th', { text: 'confidence' })));
    for (const it of items.slice(0, MAX_ROWS)) {
      const inputCell = textColumn !== undefined ? this.textCell(it.r.input, textColumn, it.index) : h('td', { cls: 'input', text: inputSummary(it.r.input) });
      const pred = h('td', { cls: 'predicted-text' });
      const diff = differingPositions(it.expected, it.predicted);
      Array.from(it.predicted).forEach((ch, k) => pred.append(diff[k] ? h('mark', { cls: 'differs', text: ch, title: `position ${k + 1}: expected ${JSON.stringify(Array.from(it.expected)[k] ?? '')}` }) : ch));
      const missing = Array.from(it.expected).length - Array.from(it.predicted).length;
      if (missing > 0) pred.append(h('mark', { cls: 'differs missing', text: '␣'.repeat(missing), title: `${missing} character${missing === 1 ? '' : 's'} missing` }));
      list.append(h('tr', { cls: it.right ? 'right' : 'wrong' }, h('td', { text: String(it.index + 1) }), inputCell,
        h('td', { cls: 'expected-text', text: it.expected }), pred, h('td', { text: it.r.confidence !== undefined ? fmtPercent(it.r.confidence) : '' })));
    }
    if (items.length > MAX_ROWS) list.append(h('tr', {}, h('td', { attrs: { colspan: '5' }, text: `… ${items.length - MAX_ROWS} more rows` })));
    this.results.append(h('h3', { text: 'Validation texts, mistakes first' }), h('div', { cls: 'rows-scroll' }, list));
  }

  private classification(rows: PredictionView[], classNames: string[], textColumn?: string): void {
    const m = confusionMatrix(rows, classNames);
    this.results.append(h('p', { cls: 'summary', id: 'val-accuracy', text: `Validation accuracy ${fmtPercent(m.accuracy)}: ${m.correct} of ${m.total} rows right.` }));
    const peak = Math.max(1, ...m.matrix.flat());
    const table = h('table', { cls: 'confusion', id: 'confusion-matrix' });
    table.append(h('caption', { text: `Confusion matrix: ${m.total} validation rows, expected class (rows) against predicted class (columns)` }));
    const head = h('tr', {}, h('th', { cls: 'corner', text: 'expected \\ predicted' }));
    for (const n of m.classNames) head.append(h('th', { text: n }));
    head.append(h('th', { text: 'accuracy' }));
    table.append(head);
    m.matrix.forEach((row, i) => {
      const tr = h('tr', {}, h('th', { text: m.classNames[i] }));
      row.forEach((c, j) => {
        const td = h('td', { cls: `cell ${i === j ? 'diag' : c ? 'off' : ''} level-${Math.ceil((c / peak) * 4)}`, text: String(c), attrs: { 'data-count': String(c) } });
        td.title = `${c} row${c === 1 ? '' : 's'} of ${m.classNames[i]} predicted as ${m.classNames[j]}`;
        tr.append(td);
      });
      const pc = m.perClass[i];
      tr.append(h('td', { cls: 'acc', text: pc.total ? fmtPercent(pc.accuracy) : '-' }));
      table.append(tr);
    });
    this.results.append(table);
    const rows2 = classRows(rows, classNames);
    const list = h('table', { cls: 'rows', id: 'prediction-rows' });
    list.append(h('tr', {}, h('th', { text: '#' }), h('th', { text: 'input' }), h('th', { text: 'expected' }), h('th', { text: 'predicted' }), h('th', { text: 'confidence' })));
    for (const r of rows2.slice(0, MAX_ROWS)) {
      const img = imagePathOf(r.input);
      const inputCell = textColumn !== undefined ? this.textCell(r.input, textColumn, r.index) : h('td', { cls: 'input', text: inputSummary(r.input) });
      if (img) inputCell.append(' ', h('a', { cls: 'show-image', text: 'show', attrs: { 'data-image': img, href: '#' } }));
      list.append(h('tr', { cls: r.correct ? 'right' : 'wrong' },
        h('td', { text: String(r.index + 1) }), inputCell, h('td', { text: r.expected }), h('td', { text: r.predicted }), h('td', { text: fmtPercent(r.confidence) })));
    }
    if (rows2.length > MAX_ROWS) list.append(h('tr', {}, h('td', { attrs: { colspan: '5' }, text: `… ${rows2.length - MAX_ROWS} more rows` })));
    this.results.append(h('h3', { text: 'Validation rows, mistakes first' }), h('div', { cls: 'rows-scroll' }, list));
  }

  private regression(rows: PredictionView[], target: string): void {
    const r = regressionPoints(rows);
    this.results.append(h('p', { cls: 'summary', id: 'val-errors', text: `Validation: MAE ${fmt(r.mae)}, RMSE ${fmt(r.rmse)}, R² ${fmt(r.r2, 3)} over ${r.actual.length} rows.` }));
    const scatter = h('div', { cls: 'scatter', id: 'scatter' });
    scatter.innerHTML = sceneToSvg(scatterScene(r.actual, r.predicted, 340, 260, target), 'chart-svg');
    const errs = h('div', { cls: 'errors', id: 'error-histogram' });
    errs.innerHTML = sceneToSvg(histogramScene(histogram(r.errors, 20), 340, 260, 'error (predicted - actual)'), 'chart-svg');
    this.results.append(h('div', { cls: 'pair' }, scatter, errs));
  }

  private updateBoundary(snap: DashboardSnapshot): void {
    const p = snap.predictions;
    const twoFeatures = snap.inputNames.length === 2 && snap.features.length === 2 && snap.features.every((f) => f.kind === 'numeric') && !snap.image;
    const b = snap.boundary;
    const key = JSON.stringify([twoFeatures, p?.runDir, b?.runDir, b?.z.length, snap.boundaryStatus, p?.validation.length]);
    if (key === this.boundaryKey) return;
    this.boundaryKey = key;
    clear(this.boundary);
    if (!twoFeatures || !p) return;
    this.boundary.append(h('h3', { text: 'Decision boundary' }));
    if (b && b.runDir === p.runDir) {
      const classNames = b.classNames;
      const points: BoundaryPoint[] = [];
      for (const row of p.validation) {
        const x = row.input[b.xName];
        const y = row.input[b.yName];
        if (typeof x !== 'number' || typeof y !== 'number') continue;
        const z = classNames ? classNames.indexOf(expectedClass(row.expected, classNames) ?? '') : Number(Array.isArray(row.expected) ? row.expected[0] : row.expected);
        points.push({ x, y, z: Math.max(0, z), tip: `${b.xName} ${fmt(x)}, ${b.yName} ${fmt(y)}: expected ${String(row.expected)}` });
      }
      const holder = h('div', { id: 'boundary' });
      holder.innerHTML = sceneToSvg(boundaryScene(b, points, 360, 320), 'chart-svg');
      this.boundary.append(holder);
      if (classNames) {
        const legend = h('p', { cls: 'legend' });
        classNames.forEach((n, i) => legend.append(h('span', { cls: `swatch c${i % 8}` }), ` ${n}  `));
        this.boundary.append(legend);
      }
      return;
    }
    if (snap.boundaryStatus === 'computing') {
      this.boundary.append(h('p', {}, progressRing(), ' Predicting a grid over both features…'));
      return;
    }
    if (snap.boundaryStatus) this.boundary.append(h('p', { cls: 'problem', text: snap.boundaryStatus }));
    this.boundary.append(button('Draw decision boundary', () => this.actions.requestBoundary(p.runDir), { id: 'draw-boundary' }));
    // Drawn once on its own for each run with predictions; the button redraws it after an error.
    if (!this.requestedBoundary.has(p.runDir) && !snap.boundaryStatus) {
      this.requestedBoundary.add(p.runDir);
      this.actions.requestBoundary(p.runDir);
    }
  }

  private updateImage(snap: DashboardSnapshot, showPixels: boolean): void {
    const img = snap.shownImage;
    const key = JSON.stringify([img?.path, img?.pixels.length, showPixels, snap.predictions?.runDir]);
    if (key === this.imageKey) return;
    this.imageKey = key;
    clear(this.image);
    if (!img) return;
    const row = snap.predictions?.validation.find((r) => imagePathOf(r.input) === img.path) ?? snap.predictions?.predict.find((r) => imagePathOf(r.input) === img.path);
    this.image.append(h('h3', { text: `Image ${img.path.split(/[\\/]/).pop()}: ${img.width}×${img.height}×${img.channels}` }));
    const pic = h('div', { cls: 'picture', id: 'picture', title: `${img.width} × ${img.height} pixels, ${img.channels} channel${img.channels === 1 ? '' : 's'}` });
    pic.innerHTML = sceneToSvg(pixelScene(img.width, img.height, img.channels, img.pixels, pictureCell(img.width, img.height), false), 'pixels');
    const side = h('div', { cls: 'image-prediction' });
    if (row) {
      const cls = snap.classNames ?? [];
      const probs = row.output.length === 1 && cls.length === 2 ? [1 - row.output[0], row.output[0]] : row.output;
      const best = probs.indexOf(Math.max(...probs));
      const label = row.label ?? cls[best] ?? String(best);
      const expected = row.expected === undefined ? undefined : cls.length ? expectedClass(row.expected, cls) ?? String(row.expected) : String(row.expected);
      const right = expected === undefined ? undefined : expected === label;
      side.append(h('p', {
        cls: `answer${right === undefined ? '' : right ? ' right' : ' wrong'}`, id: 'image-prediction',
        text: `predicted ${label}${row.confidence !== undefined ? ` (${fmtPercent(row.confidence)})` : ''}${expected !== undefined ? `, expected ${expected}` : ''}`,
      }));
      if (cls.length && probs.length === cls.length) side.append(probBars(cls, probs));
    } else {
      side.append(h('p', { cls: 'empty', id: 'image-prediction', text: 'This image has no prediction in the selected run.' }));
    }
    side.append(h('p', { cls: 'hint', text: `The network sees this picture as a ${img.height} × ${img.width} matrix of numbers${img.channels > 1 ? ' per colour channel' : ''}: each pixel's brightness from 0 to 255, scaled to 0..1 before training.` }));
    this.image.append(h('div', { cls: 'image-row' }, pic, side), checkbox('Show the pixel matrix', showPixels, (v) => this.actions.setShowPixels(v), 'show-pixels'));
    if (showPixels) {
      const m = h('div', { cls: 'pixel-matrix', id: 'pixel-matrix' });
      m.innerHTML = sceneToSvg(pixelScene(img.width, img.height, img.channels, img.pixels, 20, true), 'pixels');
      this.image.append(m);
    }
    // The user asked for this image below a long table: bring it into view once it arrives.
    if (this.scrollToImage === img.path) {
      this.scrollToImage = undefined;
      this.image.scrollIntoView({ block: 'nearest' });
    }
  }

  private updateForm(snap: DashboardSnapshot): void {
    const key = JSON.stringify([snap.features, snap.image, snap.trusted, snap.textView?.column]);
    if (key === this.formKey) return;
    this.formKey = key;
    clear(this.form);
    const fields: { column: string; read: () => unknown }[] = [];
    const textColumn = snap.textView?.column;
    if (textColumn !== undefined) {
      const f = textField(textColumn, '', { id: 'predict-text', placeholder: 'a text', name: textColumn });
      fields.push({ column: textColumn, read: () => f.value });
      this.form.append(f);
    } else if (snap.image) {
      const f = textField('Image file', '', { id: 'predict-image', placeholder: '/path/to/image.png' });
      fields.push({ column: 'file', read: () => f.value });
      this.form.append(f);
    } else {
      for (const feat of snap.features) {
        if (feat.kind === 'onehot' && feat.categories?.length) {
          let value = feat.categories[0];
          const d = dropdown(feat.categories.map((c) => ({ value: c, label: c })), value, (v) => { value = v; }, `predict-${feat.column}`);
          fields.push({ column: feat.column, read: () => value });
          this.form.append(h('label', { cls: 'field' }, h('span', { text: feat.column }), d));
        } else {
          const t = textField(feat.column, '', { id: `predict-${feat.column}`, placeholder: 'number', name: feat.column });
          fields.push({ column: feat.column, read: () => { const v = t.value.trim(); return v === '' ? null : Number.isFinite(Number(v)) ? Number(v) : v; } });
          this.form.append(t);
        }
      }
    }
    if (!fields.length) {
      this.form.append(h('p', { cls: 'empty', text: 'The inputs are known once the spec and its data are valid.' }));
      return;
    }
    const go = button('Predict', () => {
      const input: Record<string, unknown> = {};
      for (const f of fields) input[f.column] = f.read();
      this.actions.predict(input);
    }, { id: 'predict-button', title: snap.trusted ? 'Predict with the selected run' : 'Prediction needs a trusted workspace' });
    if (!snap.trusted) go.setAttribute('disabled', '');
    this.form.append(go);
  }

  private updateResult(snap: DashboardSnapshot): void {
    clear(this.result);
    if (snap.predictBusy) {
      this.result.append(progressRing());
      return;
    }
    const r = snap.predictResult;
    if (!r) return;
    if (r.error) {
      this.result.append(h('p', { cls: 'problem', text: r.error }));
      return;
    }
    const cls = snap.classNames;
    if (snap.task === 'sequence') {
      this.result.append(h('p', { cls: 'answer', text: `→ ${JSON.stringify(r.label ?? '')}${r.confidence !== undefined ? ` (${fmtPercent(r.confidence)})` : ''}` }));
    } else if (cls?.length && r.output) {
      this.result.append(h('p', { cls: 'answer', text: `→ ${r.label ?? ''}${r.confidence !== undefined ? ` (${fmtPercent(r.confidence)})` : ''}` }));
      const probs = r.output.length === 1 && cls.length === 2 ? [1 - r.output[0], r.output[0]] : r.output;
      this.result.append(probBars(cls, probs));
    } else if (r.output) {
      this.result.append(h('p', { cls: 'answer', text: `→ ${snap.target.map((t, i) => `${t} = ${fmt(r.output?.[i])}`).join(', ')}` }));
    }
  }
}
