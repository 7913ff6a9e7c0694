// The runs of the experiment: select one, tick others to overlay their curves, and see how their specs
// differ from the selected run's.
import type { DashboardSnapshot, RunItem } from '../../src/protocol/webview';
import { formatChange, runDifferences } from '../model/diff';
import { fmt } from '../../src/common/format';
import { clear, h } from './dom';

export interface RunActions {
  select(runDir: string): void;
  compare(runDirs: string[]): void;
  open(runDir: string): void;
}

function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

function metricsText(run: RunItem): string {
  const m = run.finalMetrics;
  if (!m) return '';
  return Object.entries(m).filter(([k]) => k !== 'ms').slice(0, 4).map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
}

export class RunsView {
  private key = '';
  private readonly table = h('table', { cls: 'runs', id: 'runs-table' });
  private readonly diff = h('div', { cls: 'spec-diff', id: 'spec-diff' });

  constructor(root: HTMLElement, private readonly actions: RunActions) {
    root.append(this.table, this.diff);
  }

  update(snap: DashboardSnapshot): void {
    const key = JSON.stringify([snap.runs, snap.selectedRun, snap.compareRuns, snap.specs.map((s) => s.runDir)]);
    if (key === this.key) return;
    this.key = key;
    clear(this.table);
    clear(this.diff);
    if (!snap.runs.length) {
      this.table.append(h('tr', {}, h('td', { cls: 'empty', text: 'No runs yet.' })));
      return;
    }
    this.table.append(h('tr', {}, h('th', { text: 'show' }), h('th', { text: 'compare' }), h('th', { text: 'run' }), h('th', { text: 'status' }),
      h('th', { text: 'epochs' }), h('th', { text: 'learning rate' }), h('th', { text: 'backend' }), h('th', { text: 'final metrics' }), h('th', { text: 'baseline' }), h('th', { text: 'insights' }), h('th', { text: '' })));
    const compare = new Set(snap.compareRuns);
    for (const run of snap.runs) {
      const selected = run.dir === snap.selectedRun;
      const radio = h('input', { attrs: { type: 'radio', name: 'run', 'aria-label': `show run ${run.id}` } });
      radio.checked = selected;
      radio.addEventListener('change', () => this.actions.select(run.dir));
      const tick = h('input', { attrs: { type: 'checkbox', 'aria-label': `compare run ${run.id}` } });
      tick.checked = compare.has(run.dir);
      tick.disabled = selected;
      tick.addEventListener('change', () => {
        const next = new Set(snap.compareRuns);
        if (tick.checked) next.add(run.dir);
        else next.delete(run.dir);
        this.actions.compare([...next]);
      });
      const open = h('a', { text: 'open', attrs: { href: '#', title: 'Open run.json' } });
      open.addEventListener('click', (e) => {
        e.preventDefault();
        this.actions.open(run.dir);
      });
      const tr = h('tr', { cls: `${selected ? 'selected ' : ''}status-${run.status}`, attrs: { 'data-run': run.id } },
        h('td', {}, radio), h('td', {}, tick), h('td', { text: run.id, title: `${run.dir}\nstarted ${when(run.startedAt)}` }),
        h('td', { cls: 'status', text: run.status, title: run.error ?? '' }), h('td', { text: `${run.epochsDone}/${run.epochs}` }),
        h('td', { cls: 'learning-rate', text: run.learningRate !== undefined ? String(run.learningRate) : '' }), h('td', { text: run.backendLabel ?? '' }),
        h('td', { text: metricsText(run) + (run.restoredEpoch !== undefined ? ` (epoch ${run.restoredEpoch}, restored)` : '') }),
        h('td', { cls: 'baseline', text: run.baseline?.text ?? '' }),
        h('td', { cls: 'insight-kinds', text: (run.insights ?? []).map((i) => i.kind).join(', '), title: (run.insights ?? []).map((i) => i.message).join('\n\n') }),
        h('td', {}, open));
      this.table.append(tr);
    }
    const base = snap.specs.find((s) => s.runDir === snap.selectedRun);
    const others = snap.specs.filter((s) => s.runDir !== snap.selectedRun && compare.has(s.runDir));
    if (base && others.length) {
      this.diff.append(h('h3', { text: 'Differences' }));
      for (const o of others) {
        const changes = runDifferences(base, o);
        const what = base.plan !== undefined && o.plan !== undefined ? 'plan' : 'spec';
        const block = h('div', { cls: 'diff-block', attrs: { 'data-run': o.runId } }, h('p', { cls: 'diff-title', text: `${base.runId} → ${o.runId}${changes.length ? '' : `: same ${what}`}` }));
        const ul = h('ul');
        for (const c of changes) ul.append(h('li', { cls: `change ${c.kind}`, text: formatChange(c) }));
        block.append(ul);
        this.diff.append(block);
      }
    }
  }
}
