// Text inputs: "Text as numbers" (a validation row's text, its tokens and their ids, unknown and padding
// marked; the vocabulary's size and coverage, the texts cut at maxLength) and the embedding plot (the most
// frequent tokens' learned vectors in 2-D, labelled, their nearest neighbours on hover). All text from the
// data goes in through textContent or the escaping scene writer.
import type { DashboardSnapshot, EmbeddingView, TextAsNumbersView } from '../../src/protocol/webview';
import { fmtInt, fmtPercent } from '../../src/common/format';
import { embeddingScene } from '../model/embedding';
import { sceneToSvg } from '../model/scene';
import { button, dropdown } from './controls';
import { clear, h } from './dom';

export class TextAsNumbersPanel {
  private key = '';
  private readonly body = h('div', { cls: 'text-view-body' });

  constructor(private readonly root: HTMLElement, private readonly showRow: (row: number) => void) {
    root.append(this.body);
  }

  update(snap: DashboardSnapshot): void {
    const t = snap.textView;
    this.root.hidden = !t;
    const key = JSON.stringify(t ?? null);
    if (key === this.key) return;
    this.key = key;
    clear(this.body);
    if (t) this.render(t);
  }

  private render(t: TextAsNumbersView): void {
    const coverage = t.coverage === undefined ? 'no validation rows to measure coverage on' : `${fmtPercent(t.coverage)} of the validation texts' tokens are in it`;
    this.body.append(h('p', { cls: 'summary', id: 'text-summary', text:
      `Column "${t.column}", read as ${t.tokens}${t.lowercase ? ' (lowercased)' : ''}. Vocabulary: ${fmtInt(t.vocabularySize)} ids ` +
      `(${fmtInt(t.vocabularySize - 2)} tokens, 0 = padding, 1 = unknown), fitted on the training split of ${t.from}; ${coverage}.` }));
    this.body.append(h('p', { cls: 'summary', id: 'text-cut', text:
      `Each text becomes ${t.maxLength} ids (maxLength): ${fmtInt(t.cut)} of ${fmtInt(t.texts)} texts are longer and lose their end; shorter ones are padded with 0.` }));
    if (!t.choices.length) return;
    const shown = t.shown?.row ?? 0;
    const pick = dropdown(t.choices.map((c) => ({ value: String(c.row), label: `#${c.row + 1}${c.line !== undefined ? ` (line ${c.line})` : ''}: ${c.preview}` })),
      String(shown), (v) => this.showRow(Number(v)), 'text-row');
    const prev = button('Previous', () => this.showRow(Math.max(0, shown - 1)), { secondary: true, id: 'text-prev' });
    const next = button('Next', () => this.showRow(shown + 1 < t.validationTexts ? shown + 1 : 0), { secondary: true, id: 'text-next' });
    this.body.append(h('div', { cls: 'text-chooser' }, h('span', { text: 'Validation row ' }), pick, prev, next));
    const s = t.shown;
    if (!s) return;
    this.body.append(h('p', { cls: 'text-original', id: 'text-original' },
      h('span', { cls: 'muted', text: `Row #${s.row + 1}${s.line !== undefined ? `, line ${s.line}` : ''}: ` }), h('q', { text: s.text })));
    const grid = h('div', { cls: 'token-grid', id: 'token-grid' });
    s.cells.forEach((c, i) => {
      const what = c.kind === 'padding' ? 'padding' : c.kind === 'unknown' ? `"${c.token}" is not in the vocabulary: unknown` : `"${c.token}"`;
      grid.append(h('span', { cls: `token-cell ${c.kind}`, title: `position ${i + 1}: ${what}, id ${c.id}` },
        h('span', { cls: 'tok', text: c.kind === 'padding' ? '·' : c.token }), h('span', { cls: 'id', text: String(c.id) })));
    });
    const used = s.cells.filter((c) => c.kind !== 'padding').length;
    this.body.append(grid, h('p', { cls: 'summary', id: 'text-row-facts', text:
      `${used} token${used === 1 ? '' : 's'} read, ${s.unknown} unknown (id 1), ${s.cells.length - used} padding (id 0)` +
      (s.cut.length ? `; ${s.cut.length} cut at maxLength: ${s.cut.slice(0, 20).join(' ')}${s.cut.length > 20 ? ' …' : ''}` : '') + '.' }));
    this.body.append(h('p', { cls: 'legend' },
      h('span', { cls: 'token-cell token sample-cell', text: 'token' }), ' in the vocabulary ',
      h('span', { cls: 'token-cell unknown sample-cell', text: 'unknown' }), ' id 1 ',
      h('span', { cls: 'token-cell padding sample-cell', text: 'padding' }), ' id 0'));
  }
}

export class EmbeddingPanel {
  private key = '';
  private readonly body = h('div', { cls: 'embedding-body' });

  constructor(private readonly root: HTMLElement) {
    root.append(this.body);
  }

  update(snap: DashboardSnapshot): void {
    const e = snap.embedding;
    this.root.hidden = !e && !snap.textView;
    const key = JSON.stringify(e ? [e.runDir, e.live, e.epoch, e.batch, e.points.length, e.points[0]?.x, e.points[0]?.y] : snap.textView ? 'waiting' : null);
    if (key === this.key) return;
    this.key = key;
    clear(this.body);
    if (e) this.render(e);
    else if (snap.textView) this.body.append(h('p', { cls: 'empty', id: 'embedding-empty', text: 'The embedding appears once a run has trained (and live while it trains).' }));
  }

  private render(e: EmbeddingView): void {
    const when = e.live ? `live, epoch ${e.epoch}${e.batch !== undefined ? `, batch ${e.batch}` : ''}` : `after epoch ${e.epoch}`;
    this.body.append(h('p', { cls: 'summary', id: 'embedding-summary', text:
      `The ${e.points.length} most frequent tokens' ${e.dim}-number vectors (layer ${e.layer}, ${when}), projected to their first two principal components. ` +
      'Hover a token for its nearest neighbours (cosine similarity over all the numbers, not the plot).' }));
    const plot = h('div', { cls: 'embedding-plot', id: 'embedding-plot' });
    plot.innerHTML = sceneToSvg(embeddingScene(e.points, 560, 400), 'chart-svg embedding');
    this.body.append(plot);
  }
}
