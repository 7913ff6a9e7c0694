// The dashboard webview: says `ready`, then draws each full snapshot the host sends. Work is batched into
// one animation frame, so a burst of snapshots costs one render.
import {
  isHostToWebview, type DashboardSnapshot, type DashboardUiState, type HostToWebview, type WebviewToHost,
} from '../src/protocol/webview';
import { formatDuration } from '../src/common/format';
import { button, checkbox, registerControls, setDisabled, slider } from './ui/controls';
import { CoachView } from './ui/coach';
import { CurvesView } from './ui/curves';
import { DataView } from './ui/data-view';
import { DiagramView } from './ui/diagram';
import { h, installTooltip } from './ui/dom';
import { PredictionsView } from './ui/predictions';
import { RunsView } from './ui/runs';
import { KindsView } from './ui/kinds';
import { EmbeddingPanel, TextAsNumbersPanel } from './ui/text-view';
import { onThemeChange } from './ui/theme';
import { vscodeApi } from './vscode-api';

const vscode = vscodeApi();
let ui: DashboardUiState = { smoothing: 0.6, logScale: false, ...(vscode.getState() ?? {}) };
let snap: DashboardSnapshot | undefined;
let frame = 0;

function post(m: WebviewToHost): void {
  vscode.postMessage(m);
}

function saveUi(patch: Partial<DashboardUiState>): void {
  ui = { ...ui, ...patch };
  vscode.setState(ui);
  schedule();
}

registerControls();

const title = h('h1', { id: 'title', text: 'dlmodel' });
const subtitle = h('p', { cls: 'subtitle', id: 'subtitle' });
const status = h('p', { cls: 'status', id: 'status', attrs: { 'aria-live': 'polite' } });
const notice = h('p', { cls: 'notice', id: 'notice' });
notice.hidden = true;
const trainBtn = button('Train', () => post({ type: 'train' }), { id: 'train' });
const stopBtn = button('Stop', () => post({ type: 'stop' }), { id: 'stop', secondary: true });
const specBtn = button('Open spec', () => post({ type: 'openSpec' }), { secondary: true });

const section = (id: string, heading: string, ...extra: Node[]): HTMLElement =>
  h('section', { id, cls: 'card' }, h('header', {}, h('h2', { text: heading }), ...extra));

const smoothLabel = h('span', { cls: 'smooth-value', text: ui.smoothing.toFixed(2) });
const controls = h('div', { cls: 'chart-controls' },
  checkbox('Log scale', ui.logScale, (v) => saveUi({ logScale: v }), 'log-scale'),
  h('label', { cls: 'smoothing' }, 'Smoothing ', slider(0, 0.99, 0.01, ui.smoothing, (v) => {
    smoothLabel.textContent = v.toFixed(2);
    saveUi({ smoothing: v });
  }, 'smoothing'), smoothLabel));

const networkSec = section('network', 'Network');
const curvesSec = section('curves', 'Training', controls);
const predSec = section('predictions', 'Predictions');
const runsSec = section('runs', 'Runs');
const dataSec = section('data-view', 'What the network sees');
const codeSec = section('code-space', 'Code space');
const reconSec = section('reconstructions-card', 'Reconstructions');
const roundsSec = section('rounds', 'Pseudo-label rounds');
const textSec = section('text-view', 'Text as numbers');
const embeddingSec = section('embedding', 'Embedding');
document.body.append(
  h('div', { cls: 'top' }, h('div', { cls: 'heading' }, title, subtitle, status), h('div', { cls: 'actions' }, trainBtn, stopBtn, specBtn)),
  notice,
  h('main', { cls: 'grid' }, networkSec, curvesSec, codeSec, reconSec, roundsSec, textSec, embeddingSec, predSec, runsSec, dataSec),
);
installTooltip(document.body);

const diagram = new DiagramView(networkSec, (i) => saveUi({ selectedLayer: i === ui.selectedLayer ? undefined : i }));
const coach = new CoachView();
const curves = new CurvesView(h('div', { cls: 'charts', id: 'charts' }));
curvesSec.append(coach.root, curves.root);
const dataView = new DataView(dataSec);
const textView = new TextAsNumbersPanel(textSec, (row) => post({ type: 'showTextRow', row }));
const embeddingView = new EmbeddingPanel(embeddingSec);
const predictions = new PredictionsView(predSec, {
  predict: (input) => post({ type: 'predict', input, runDir: snap?.selectedRun }),
  requestBoundary: (runDir) => post({ type: 'requestDecisionBoundary', runDir, resolution: 40 }),
  requestImage: (path) => post({ type: 'requestImage', path }),
  showTextRow: (row) => {
    post({ type: 'showTextRow', row });
    textSec.scrollIntoView({ block: 'nearest' });
  },
  setShowPixels: (v) => saveUi({ showPixels: v }),
});
const kinds = new KindsView(codeSec, reconSec, roundsSec, { requestImage: (path) => post({ type: 'requestImage', path }) });
const runs = new RunsView(runsSec, {
  select: (runDir) => {
    saveUi({ selectedRun: runDir });
    post({ type: 'selectRun', runDir });
  },
  compare: (runDirs) => post({ type: 'compareRuns', runDirs }),
  open: (runDir) => post({ type: 'openRun', runDir }),
});

function statusText(s: DashboardSnapshot): string {
  const l = s.live;
  if (!l) {
    const sel = s.runs.find((r) => r.dir === s.selectedRun);
    return sel ? `Showing run ${sel.id} (${sel.status}, ${sel.epochsDone}/${sel.epochs} epochs${sel.backendLabel ? `, ${sel.backendLabel}` : ''})` : 'Not trained yet.';
  }
  switch (l.state) {
    case 'queued':
      return 'Waiting for another run to finish…';
    case 'running': {
      const batch = l.batch !== undefined && l.batchesPerEpoch ? `, batch ${l.batch}/${l.batchesPerEpoch}` : '';
      const eta = l.etaMs !== undefined && l.etaMs > 0 ? `, about ${formatDuration(l.etaMs)} left` : '';
      return `Training: epoch ${Math.min(l.epoch + 1, l.epochs)}/${l.epochs}${batch}${l.backendLabel ? ` on ${l.backendLabel}` : ''}${eta}`;
    }
    case 'completed':
      return `Finished ${l.epoch}/${l.epochs} epochs${l.backendLabel ? ` on ${l.backendLabel}` : ''}.`;
    case 'stopped':
      return `Stopped after ${l.epoch} epochs.`;
    case 'failed':
      return `Failed: ${l.message ?? 'see the output'}`;
    default: {
      const never: never = l.state;
      return never;
    }
  }
}

function render(): void {
  frame = 0;
  if (!snap) return;
  const t0 = performance.now();
  const s = snap;
  document.body.classList.toggle('is-running', s.live?.state === 'running' || s.live?.state === 'queued');
  title.textContent = s.name;
  subtitle.textContent = [s.task, s.description, s.specLabel ?? s.specPath].filter(Boolean).join(' · ');
  subtitle.title = s.specPath;
  status.textContent = statusText(s);
  status.className = `status ${s.live?.state ?? 'idle'}`;
  const running = s.live?.state === 'running' || s.live?.state === 'queued';
  setDisabled(trainBtn, running || !s.trusted);
  setDisabled(stopBtn, !running);
  diagram.update(s, ui.selectedLayer);
  coach.update(s);
  curves.update(s.curves, { smoothing: ui.smoothing, logScale: ui.logScale });
  dataView.update(s);
  textView.update(s);
  embeddingView.update(s);
  predictions.update(s, Boolean(ui.showPixels));
  kinds.update(s);
  runs.update(s);
  // For tests and the render benchmark: which snapshot is on screen, and what drawing it cost.
  document.body.setAttribute('data-render-ms', (performance.now() - t0).toFixed(2));
  document.body.setAttribute('data-seq', String(s.seq));
}

function schedule(): void {
  if (!frame) frame = requestAnimationFrame(render);
}

function handle(m: HostToWebview): void {
  switch (m.type) {
    case 'snapshot':
      snap = m.snapshot;
      if (ui.specPath !== snap.specPath || ui.selectedRun !== snap.selectedRun) {
        ui = { ...ui, specPath: snap.specPath, selectedRun: snap.selectedRun };
        vscode.setState(ui);
      }
      schedule();
      return;
    case 'notice':
      notice.textContent = m.message;
      notice.className = `notice ${m.level}`;
      notice.hidden = false;
      setTimeout(() => {
        notice.hidden = true;
      }, 8000);
      return;
    default: {
      const never: never = m;
      return never;
    }
  }
}

window.addEventListener('message', (e: MessageEvent) => {
  if (isHostToWebview(e.data)) handle(e.data);
});
onThemeChange(schedule);
vscode.setState(ui);
post({ type: 'ready' });
