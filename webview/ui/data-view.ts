// "What the network sees": the first rows of the data as read, beside the input vector each becomes
// (one-hot columns named, normalized values), and the rows training drops and why.
import type { DashboardSnapshot, DataPreviewView } from '../../src/protocol/webview';
import { fmt } from '../../src/common/format';
import { clear, h } from './dom';

export class DataView {
  private key = '';
  private readonly body = h('div', { cls: 'data-view-body' });

  constructor(private readonly root: HTMLElement) {
    root.append(this.body);
  }

  update(snap: DashboardSnapshot): void {
    const p = snap.dataPreview;
    this.root.hidden = !p;
    const key = JSON.stringify(p ?? null);
    if (key === this.key) return;
    this.key = key;
    clear(this.body);
    if (p) this.render(p);
  }

  private render(p: DataPreviewView): void {
    this.body.append(h('p', { cls: 'summary', text: `The first ${p.rows.length} of ${p.total} rows as read, and the ${p.inputNames.length} input values each becomes (encoded as ${p.from}).` }));
    const table = h('table', { cls: 'data-preview', id: 'data-preview' });
    const head = h('tr', {}, h('th', { text: 'line' }));
    for (const c of p.columns) head.append(h('th', { cls: p.target.includes(c) ? 'target' : 'raw', text: c, title: p.target.includes(c) ? 'the target' : 'as read' }));
    head.append(h('th', { cls: 'arrow', text: '→' }));
    for (const n of p.inputNames) head.append(h('th', { cls: 'input', text: n, title: n.includes('=') ? 'one-hot: 1 when the column has this value' : 'normalized' }));
    table.append(head);
    for (const r of p.rows) {
      const tr = h('tr', { cls: r.dropped ? 'dropped' : '' }, h('td', { cls: 'line', text: String(r.line) }));
      for (const v of r.values) tr.append(h('td', { cls: 'raw', text: v === null || v === undefined ? '' : String(v) }));
      tr.append(h('td', { cls: 'arrow', text: r.dropped ? '✕' : '→' }));
      if (r.input) for (const x of r.input) tr.append(h('td', { cls: 'input num', text: fmt(x, 3) }));
      else tr.append(h('td', { cls: 'why', text: `dropped: ${r.dropped ?? ''}`, attrs: { colspan: String(Math.max(1, p.inputNames.length)) } }));
      table.append(tr);
    }
    this.body.append(h('div', { cls: 'rows-scroll' }, table));
    if (p.dropped.length) {
      const ul = h('ul', { cls: 'dropped-list', id: 'dropped-rows' });
      for (const d of p.dropped) ul.append(h('li', { text: `${d.count} row${d.count === 1 ? '' : 's'} dropped: ${d.reason} (first at line ${d.firstLine})` }));
      this.body.append(ul);
    } else {
      this.body.append(h('p', { cls: 'summary', text: 'No rows are dropped.' }));
    }
  }
}
