// The other kinds of learning on the dashboard. Autoencoders: the code space (every row's code in 2-D,
// coloured by label, cluster or reconstruction error; click a point to see its input), each cluster's
// purity, rows beside their reconstructions, and the most unusual rows. Pseudo-labels: per round, the rows
// adopted and the accuracy the round ended with.
import type { AutoencoderView, CodePointView, DashboardSnapshot, ReconstructionView } from '../../src/protocol/webview';
import { pixelScene } from '../model/charts';
import { codeScene, legendOf, roundPoints, roundsScene, type ColourBy } from '../model/codes';
import { fmt, fmtPercent } from '../../src/common/format';
import { sceneToSvg } from '../model/scene';
import { dropdown } from './controls';
import { clear, h } from './dom';
import { drawScene } from './svg';
import { imagePathOf } from './predictions';

export interface KindsActions {
  requestImage(path: string): void;
}

const UNUSUAL_SHOWN = 8;

function inputText(input: Record<string, unknown>): string {
  return Object.entries(input).map(([k, v]) => `${k} = ${typeof v === 'number' ? fmt(v, 4) : String(v)}`).join(', ');
}

/** An image's values 0..1 as the pixel matrix the image predictions use. */
function picture(values: number[], image: NonNullable<AutoencoderView['image']>, caption: string): HTMLElement {
  const cell = Math.max(2, Math.min(5, Math.floor(120 / Math.max(image.width, image.height))));
  const pixels = values.map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
  const holder = h('div', { cls: 'picture' });
  holder.innerHTML = sceneToSvg(pixelScene(image.width, image.height, image.channels, pixels, cell, false), 'pixels');
  return h('figure', { cls: 'recon-figure' }, holder, h('figcaption', { text: caption }));
}

/** A row and its reconstruction: two pictures, or a table of each feature against its reconstruction. */
function reconstruction(r: ReconstructionView, ae: AutoencoderView): HTMLElement {
  const head = [`row ${r.row + 1}`, r.label !== undefined ? `label ${r.label}` : '', r.cluster !== undefined ? `cluster ${r.cluster}` : '', `error ${fmt(r.error, 3)}`]
    .filter(Boolean).join(' · ');
  const box = h('div', { cls: 'recon', attrs: { 'data-row': String(r.row) } }, h('div', { cls: 'recon-head', text: head }));
  if (ae.image) {
    box.append(h('div', { cls: 'recon-pair' }, picture(r.original, ae.image, 'input'), picture(r.reconstruction, ae.image, 'reconstruction')));
    return box;
  }
  const table = h('table', { cls: 'recon-table' }, h('tr', {}, h('th', { text: 'feature' }), h('th', { text: 'input' }), h('th', { text: 'reconstruction' })));
  r.original.forEach((v, j) => {
    table.append(h('tr', {}, h('td', { text: ae.inputNames[j] ?? `value ${j + 1}` }), h('td', { cls: 'num', text: fmt(v, 4) }), h('td', { cls: 'num', text: fmt(r.reconstruction[j], 4) })));
  });
  box.append(table);
  return box;
}

export class KindsView {
  private colourBy: ColourBy | undefined;
  private selected: CodePointView | undefined;
  private staticKey = '';
  private readonly scatter = h('div', { cls: 'code-scatter', id: 'code-scatter' });
  private readonly legend = h('div', { cls: 'legend', id: 'code-legend' });
  private readonly caption = h('p', { cls: 'caption', id: 'code-caption' });
  private readonly colour = h('span', { cls: 'colour-by' });
  private readonly picked = h('div', { cls: 'picked', id: 'code-picked' });
  private readonly report = h('div', { cls: 'cluster-report', id: 'cluster-report' });
  private readonly examples = h('div', { cls: 'reconstructions', id: 'reconstructions' });
  private readonly unusual = h('div', { cls: 'reconstructions', id: 'unusual-rows' });
  private readonly roundsChart = h('div', { cls: 'rounds-chart', id: 'rounds-chart' });
  private readonly roundsCaption = h('p', { cls: 'caption', id: 'rounds-caption' });

  constructor(
    private readonly codeSec: HTMLElement,
    private readonly reconSec: HTMLElement,
    private readonly roundsSec: HTMLElement,
    private readonly actions: KindsActions,
  ) {
    codeSec.querySelector('header')?.append(this.colour);
    codeSec.append(this.caption, this.scatter, this.legend, this.picked, this.report);
    reconSec.append(h('h3', { text: 'Rows and their reconstructions' }), this.examples, h('h3', { text: 'Most unusual rows (highest reconstruction error)' }), this.unusual);
    roundsSec.append(this.roundsCaption, this.roundsChart);
    this.scatter.addEventListener('click', (e) => {
      const dot = (e.target as Element).closest('[data-row]');
      if (!dot) return;
      this.pick(Number(dot.getAttribute('data-row')));
    });
  }

  private last?: DashboardSnapshot;

  private pick(row: number): void {
    const ae = this.last?.autoencoder;
    this.selected = ae?.points.find((p) => p.row === row);
    const file = this.selected?.input ? imagePathOf(this.selected.input) : undefined;
    if (file) this.actions.requestImage(file);
    if (this.last) this.update(this.last);
  }

  update(snap: DashboardSnapshot): void {
    this.last = snap;
    const ae = snap.autoencoder;
    this.codeSec.hidden = !ae;
    this.reconSec.hidden = !ae || (!ae.examples.length && !ae.unusual.length);
    if (ae) this.updateCodes(ae, snap);
    const rounds = snap.rounds;
    this.roundsSec.hidden = !rounds;
    if (rounds) {
      const epochs = snap.curves.find((c) => c.runDir === snap.selectedRun)?.epochs;
      const points = roundPoints(rounds, epochs);
      const name = epochs?.val_accuracy ? 'validation accuracy' : 'accuracy';
      drawScene(this.roundsChart, roundsScene(points, 420, 220, name), 'chart-svg rounds');
      this.roundsCaption.textContent = `Round 0 trains on the labelled rows alone; each later round adopts the unlabelled rows predicted confidently enough and trains again. ${points.length - 1} rounds so far.`;
    }
  }

  private updateCodes(ae: AutoencoderView, snap: DashboardSnapshot): void {
    const hasLabels = ae.points.some((p) => p.label !== undefined);
    const hasClusters = ae.points.some((p) => p.cluster !== undefined);
    const options: { value: ColourBy; label: string }[] = [];
    if (hasLabels) options.push({ value: 'label', label: 'Colour by label' });
    if (hasClusters) options.push({ value: 'cluster', label: 'Colour by cluster' });
    options.push({ value: 'error', label: 'Shade by reconstruction error' });
    const by = this.colourBy && options.some((o) => o.value === this.colourBy) ? this.colourBy : options[0].value;
    const optKey = options.map((o) => o.value).join(',') + by;
    if (this.colour.getAttribute('data-key') !== optKey) {
      clear(this.colour);
      this.colour.append(dropdown(options, by, (v) => {
        this.colourBy = v as ColourBy;
        if (this.last) this.update(this.last);
      }, 'colour-by'));
      this.colour.setAttribute('data-key', optKey);
    }
    drawScene(this.scatter, codeScene(ae.points, 460, 320, by, this.selected?.row), 'chart-svg code-space');
    clear(this.legend);
    for (const l of legendOf(ae.points, by)) this.legend.append(h('span', { cls: 'legend-item' }, h('span', { cls: `swatch ${l.cls}` }), l.name));
    const where = ae.live ? `live after epoch ${ae.epoch}, a sample of ${ae.points.length} rows` : `${ae.points.length} rows`;
    const how = ae.codeSize !== undefined && ae.codeSize > 2 ? `the first two principal components of the ${ae.codeSize}-value code` : 'the code';
    this.caption.textContent = `Each dot is a row, placed by ${how}${ae.codeLayer ? ` (layer ${ae.codeLayer})` : ''}: ${where}. Click a dot to see its input.`;
    this.updatePicked(ae, snap);
    const key = `${ae.runDir}|${ae.live}|${ae.examples.length}|${ae.unusual.length}`;
    if (key === this.staticKey) return;
    this.staticKey = key;
    clear(this.report);
    if (ae.report) {
      const r = ae.report;
      this.report.append(h('h3', { text: `Clusters against the label: purity ${fmtPercent(r.purity)}` }));
      const table = h('table', { cls: 'cluster-table' }, h('tr', {}, h('th', { text: 'cluster' }), h('th', { text: 'rows' }), h('th', { text: 'most common' }), h('th', { text: 'purity' }), ...r.labels.map((l) => h('th', { text: l }))));
      r.clusters.forEach((c, i) => {
        table.append(h('tr', {}, h('td', { text: String(c.cluster) }), h('td', { cls: 'num', text: String(c.size) }), h('td', { text: c.majority ?? '' }), h('td', { cls: 'num', text: fmtPercent(c.purity) }),
          ...r.table[i].map((v) => h('td', { cls: v ? 'num' : 'num zero', text: String(v) }))));
      });
      this.report.append(table);
    }
    clear(this.examples);
    for (const r of ae.examples) this.examples.append(reconstruction(r, ae));
    clear(this.unusual);
    for (const r of ae.unusual.slice(0, UNUSUAL_SHOWN)) this.unusual.append(reconstruction(r, ae));
  }

  private updatePicked(ae: AutoencoderView, snap: DashboardSnapshot): void {
    clear(this.picked);
    const p = this.selected;
    if (!p || !ae.points.some((q) => q.row === p.row)) return;
    const head = [`Row ${p.row + 1}`, p.label !== undefined ? `label ${p.label}` : '', p.cluster !== undefined ? `cluster ${p.cluster}` : '', `reconstruction error ${fmt(p.error, 4)}`].filter(Boolean).join(' · ');
    this.picked.append(h('div', { cls: 'picked-head', text: head }));
    const file = p.input ? imagePathOf(p.input) : undefined;
    const img = snap.shownImage;
    if (file && img && img.path === file) {
      const holder = h('div', { cls: 'picture' });
      holder.innerHTML = sceneToSvg(pixelScene(img.width, img.height, img.channels, img.pixels, 4, false), 'pixels');
      this.picked.append(holder, h('div', { cls: 'caption', text: file }));
    } else if (p.input) {
      this.picked.append(h('div', { cls: 'picked-input', text: inputText(p.input) }));
    }
  }
}
