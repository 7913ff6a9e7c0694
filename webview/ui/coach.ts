// The coach in the dashboard: the baseline a network must beat and what the curves say (live while the run
// trains), beside the curves.
import type { DashboardSnapshot } from '../../src/protocol/webview';
import { fmt } from '../../src/common/format';
import { clear, h } from './dom';

export class CoachView {
  readonly root = h('div', { cls: 'coach', id: 'coach', attrs: { 'aria-live': 'polite' } });
  private key = '';

  update(snap: DashboardSnapshot): void {
    const key = JSON.stringify([snap.baseline, snap.insights]);
    if (key === this.key) return;
    this.key = key;
    clear(this.root);
    const b = snap.baseline;
    if (b) {
      const sel = snap.runs.find((r) => r.dir === snap.selectedRun);
      const got = b.metric ? sel?.finalMetrics?.[b.metric] : undefined;
      const vs = got !== undefined && b.metric && b.value !== undefined ? `; this run: ${b.metric} ${b.metric.endsWith('accuracy') ? `${fmt(got * 100, 3)}%` : fmt(got, 3)}` : '';
      this.root.append(h('p', { cls: 'baseline', id: 'baseline', text: `Baseline, ${b.text}${vs}` }));
    }
    const list = snap.insights ?? [];
    if (!list.length) return;
    const ul = h('ul', { cls: 'insights', id: 'insights' });
    for (const i of list) {
      ul.append(h('li', { cls: `insight kind-${i.kind}`, attrs: { 'data-kind': i.kind } }, h('strong', { text: `${label(i.kind)}${i.epoch !== undefined ? ` (epoch ${i.epoch})` : ''}: ` }), i.message));
    }
    this.root.append(ul);
  }
}

function label(kind: string): string {
  const words: Record<string, string> = {
    overfitting: 'Overfitting',
    underfitting: 'Underfitting',
    diverging: 'Diverging',
    oscillating: 'Oscillating',
    learningRateTooLow: 'Learning rate too low',
    predictsOneClass: 'One class only',
    deadRelu: 'Dead ReLU units',
    saturatedSigmoid: 'Saturated units',
  };
  return words[kind] ?? kind;
}
