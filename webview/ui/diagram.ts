// The network diagram and the detail of the selected layer (its weights' histogram).
import type { DashboardSnapshot, LayerView, LayerWeightsView } from '../../src/protocol/webview';
import { histogramScene } from '../model/charts';
import { fmt, fmtInt } from '../../src/common/format';
import { histogram } from '../model/histogram';
import { layoutDiagram, matchWeights } from '../model/layout';
import { sceneToSvg } from '../model/scene';
import { clear, h } from './dom';
import { drawScene } from './svg';

export class DiagramView {
  private key = '';
  private detailKey = '';
  private readonly canvas: HTMLElement;
  private readonly totals: HTMLElement;
  private readonly detail: HTMLElement;

  constructor(root: HTMLElement, private readonly onSelectLayer: (index: number | undefined) => void) {
    this.totals = h('p', { cls: 'totals', id: 'param-total' });
    this.canvas = h('div', { cls: 'diagram-canvas', id: 'diagram' });
    this.detail = h('div', { cls: 'layer-detail', id: 'layer-detail' });
    root.append(this.totals, this.canvas, this.detail);
    this.canvas.addEventListener('click', (e) => {
      const g = (e.target as Element).closest('g.layer');
      const i = g ? Number(g.getAttribute('data-layer')) : undefined;
      this.onSelectLayer(i);
    });
  }

  update(snap: DashboardSnapshot, selectedLayer: number | undefined): void {
    const width = Math.max(480, this.canvas.clientWidth - 8);
    const w = snap.weights;
    const key = JSON.stringify([snap.layers, w?.runDir, w?.epoch, w?.batch, selectedLayer, width, snap.inputNames.length, snap.classNames]);
    if (key !== this.key) {
      this.key = key;
      if (!snap.layers.length) {
        clear(this.canvas);
        this.canvas.append(h('p', { cls: 'empty', text: snap.problems.length ? 'The network cannot be drawn until the spec is valid:' : 'No layers yet.' }));
        for (const p of snap.problems) this.canvas.append(h('p', { cls: 'problem', text: p }));
        this.totals.textContent = '';
      } else {
        const outputNames = snap.classNames?.length ? snap.classNames : snap.target;
        const inputNames = snap.layers[0]?.labels && snap.layers[0].labels.length === snap.inputNames.length ? snap.layers[0].labels : snap.inputNames;
        const d = layoutDiagram({ layers: snap.layers, weights: w?.layers, inputNames, outputNames, selectedLayer }, { width });
        drawScene(this.canvas, d.scene, 'diagram');
        const nonTrainable = d.totalParams - d.trainableParams;
        this.totals.textContent = `Learnable parameters: ${fmtInt(d.trainableParams)}` +
          (nonTrainable ? ` (plus ${fmtInt(nonTrainable)} not trained)` : '') +
          ` = ${snap.layers.filter((l) => l.params > 0).map((l) => fmtInt(l.params)).join(' + ') || '0'}` +
          (w ? ` · weights after epoch ${w.epoch}${w.batch !== undefined ? `, batch ${w.batch}` : ''}` : ' · weights appear when a run starts');
        this.totals.setAttribute('data-total', String(d.totalParams));
      }
    }
    this.updateDetail(snap, selectedLayer);
  }

  private updateDetail(snap: DashboardSnapshot, selected: number | undefined): void {
    const w = snap.weights;
    const layer = selected !== undefined ? snap.layers[selected] : undefined;
    const key = JSON.stringify([selected, layer?.name, w?.runDir, w?.epoch, w?.batch]);
    if (key === this.detailKey) return;
    this.detailKey = key;
    clear(this.detail);
    if (!layer || selected === undefined) {
      this.detail.append(h('p', { cls: 'hint', text: 'Select a layer to see its weights. Hover a neuron or a weight for its value.' }));
      return;
    }
    const weights = matchWeights(snap.layers, w?.layers).get(selected);
    this.detail.append(h('h3', { text: `${layer.name} (${layer.type})` }), describe(layer, weights));
    if (weights) {
      const hist = weights.kernel && !weights.kernelRows
        ? histogram(weights.kernel, 30)
        : { min: weights.stats.histMin, max: weights.stats.histMax, counts: weights.stats.histogram };
      const holder = h('div', { cls: 'histogram', id: 'weight-histogram' });
      holder.innerHTML = sceneToSvg(histogramScene(hist, 360, 150, 'weight value'), 'chart-svg');
      this.detail.append(holder);
    }
  }
}

function describe(layer: LayerView, w: LayerWeightsView | undefined): HTMLElement {
  const dl = h('dl', { cls: 'facts' });
  const add = (k: string, v: string): void => {
    dl.append(h('dt', { text: k }), h('dd', { text: v }));
  };
  add('output shape', `[${layer.outputShape.map((d) => (d === null ? 'batch' : d)).join(', ')}]`);
  if (layer.activation) add('activation', layer.activation);
  add('parameters', layer.formula ?? fmtInt(layer.params));
  if (!layer.trainable) add('trainable', 'no (frozen)');
  if (w) {
    add('kernel', `[${w.kernelShape.join(' × ')}]`);
    add('weights', `min ${fmt(w.stats.min)}, max ${fmt(w.stats.max)}, mean ${fmt(w.stats.mean)}, std ${fmt(w.stats.std)}`);
    if (w.bias) add('biases', w.bias.length <= 8 ? w.bias.map((b) => fmt(b, 3)).join(', ') : `${w.bias.length} values, ${w.bias.slice(0, 4).map((b) => fmt(b, 3)).join(', ')}, …`);
  }
  return dl;
}
