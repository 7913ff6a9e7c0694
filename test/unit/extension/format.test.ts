import * as assert from 'node:assert/strict';
import {
  backendStatusText,
  backendTooltip,
  epochDescription,
  formatMetric,
  formatRelative,
  headlineMetric,
  escapeMarkdown,
  predictionHover,
  predictionText,
  progressMessage,
  runDescription,
  runLabel,
  statusIcon,
  stopLensTitle,
  summaryLensTitle,
  summaryTable,
} from '../../../src/extension/format';
import { formatDuration } from '../../../src/common/format';
import { isRunLike, isSpecLike, runContextValue } from '../../../src/extension/sidebar/nodes';
import type { LayerSummary } from '../../../src/protocol/trainer';
import type { RunJson } from '../../../src/runs/types';

const courseLayers: LayerSummary[] = [
  { name: 'input', type: 'input', outputShape: [null, 2], params: 0, trainable: false, derived: 'input' },
  { name: 'dense_1', type: 'dense', outputShape: [null, 2], params: 6, trainable: true, formula: '2 x 2 + 2 = 6', units: 2, activation: 'sigmoid' },
  { name: 'output', type: 'dense', outputShape: [null, 1], params: 3, trainable: true, formula: '2 x 1 + 1 = 3', derived: 'output', units: 1, activation: 'sigmoid' },
];

function run(over: Partial<RunJson>): RunJson {
  return {
    id: '20261121-101500-ab12',
    name: 'person',
    specPath: '/w/person.dlmodel.json',
    spec: { data: { target: 'gender' }, model: { layers: [] } },
    specHash: 'x',
    status: 'completed',
    backend: 'wasm',
    backendLabel: 'CPU (WASM)',
    startedAt: '2026-11-21T10:15:00.000Z',
    endedAt: '2026-11-21T10:16:23.000Z',
    epochs: 50,
    epochsDone: 50,
    finalMetrics: { loss: 0.2, val_loss: 0.412, accuracy: 0.95, val_accuracy: 0.9 },
    ...over,
  };
}

describe('extension/format', () => {
  it('titles the summary lens with learnable parameters and layers (course network: 9 params, 3 layers)', () => {
    assert.equal(summaryLensTitle(courseLayers), 'Summary (9 params, 3 layers)');
    assert.equal(summaryLensTitle([{ ...courseLayers[1], params: 1 }]), 'Summary (1 param, 1 layer)');
    assert.equal(summaryLensTitle([{ ...courseLayers[1], params: 101_770 }]), 'Summary (101,770 params, 1 layer)');
  });

  it('titles the stop lens with live epoch and loss', () => {
    assert.equal(stopLensTitle({ specPath: '/a', epoch: 3, epochs: 50, loss: 0.41234, state: 'running' }), 'Stop (epoch 3/50, loss 0.412)');
    assert.equal(stopLensTitle({ specPath: '/a', epoch: 0, epochs: 0, state: 'running' }), 'Stop (starting)');
    assert.equal(stopLensTitle({ specPath: '/a', epoch: 0, epochs: 0, state: 'queued' }), 'Stop (queued)');
    assert.equal(stopLensTitle({ specPath: '/a', epoch: 2, epochs: 10, state: 'running' }), 'Stop (epoch 2/10)');
  });

  it('formats metrics, values, durations', () => {
    assert.equal(formatMetric(0.41234), '0.412');
    assert.equal(formatMetric(0.00001234), '1.23e-5');
    assert.equal(formatMetric(undefined), '-');
    assert.equal(formatMetric(Number.NaN), '-');
    assert.equal(formatMetric(Infinity), 'inf');
    assert.equal(formatDuration(450), '450 ms');
    assert.equal(formatDuration(4_240), '4.2 s');
    assert.equal(formatDuration(83_000), '1 min 23 s');
    assert.equal(formatDuration(3_720_000), '1 h 2 min');
    assert.equal(progressMessage(3, 50, 0.41234, 12_000), 'epoch 3/50, loss 0.412, about 12 s left');
    assert.equal(progressMessage(50, 50, 0.1, 0), 'epoch 50/50, loss 0.100');
  });

  it('formats relative times', () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    assert.equal(formatRelative('2026-11-21T11:59:50Z', now), 'just now');
    assert.equal(formatRelative('2026-11-21T11:55:00Z', now), '5 min ago');
    assert.equal(formatRelative('2026-11-21T09:00:00Z', now), '3 h ago');
    assert.equal(formatRelative('2026-11-20T12:00:00Z', now), '1 day ago');
    assert.equal(formatRelative('2026-10-01T12:00:00Z', now), '2026-10-01');
    assert.equal(formatRelative('not a date', now), 'not a date');
  });

  it('writes inline predictions as "-> label pct" or "-> value"', () => {
    assert.equal(predictionText({ input: {}, output: [0.03, 0.97], label: 'Man', confidence: 0.971 }), '-> Man 97%');
    assert.equal(predictionText({ input: {}, output: [11.0234] }), '-> 11.02');
    assert.equal(predictionText({ input: {}, output: [1.2, 3.456] }), '-> 1.20, 3.46');
  });

  it('writes an autoencoder\'s prediction as its cluster and reconstruction error', () => {
    const p = { input: {}, output: [1, 2], code: [0.5, -1], reconstructionError: 0.0037, cluster: 2 };
    assert.equal(predictionText(p), `-> cluster 2, reconstruction error ${predictionText({ input: {}, output: [0.0037] }).slice(3)}`);
    assert.match(predictionText({ ...p, cluster: undefined }), /^-> reconstruction error /);
    assert.match(predictionHover(p, 'r1'), /\| cluster \| 2 \|[\s\S]*reconstruction error[\s\S]*\| code \| /);
  });

  it('lists every class probability in the hover, most likely first, with the run id', () => {
    const md = predictionHover({ input: {}, output: [0.1, 0.7, 0.2], label: 'b', confidence: 0.7 }, 'run-1', ['a', 'b', 'c']);
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| class'));
    assert.deepEqual(rows, ['| **b** | 70.0% |', '| c | 20.0% |', '| a | 10.0% |']);
    assert.match(md, /run `run-1`/);
    const reg = predictionHover({ input: {}, output: [11.0234] }, 'r2', undefined, ['price']);
    assert.match(reg, /\| price \| 11\.02 \|/);
  });

  it('escapes class names, labels and targets in the hover: no image, link or HTML from data (issue 14, case 5)', () => {
    const evil = '![x](https://attacker.example/p.png?leak=1)';
    const html = '<img src=x onerror=alert(1)>';
    const hovers = [
      predictionHover({ input: {}, output: [0.9, 0.1], label: evil, confidence: 0.9 }, 'r', [evil, html]),
      predictionHover({ input: {}, output: [0.9], label: evil, confidence: 0.9 }, 'r'),
      predictionHover({ input: {}, output: [1, 2] }, 'r', undefined, [evil, `a|b\n| c`]),
    ];
    for (const md of hovers) {
      assert.doesNotMatch(md, /!\[/, md);
      assert.doesNotMatch(md, /\]\(/, md);
      assert.doesNotMatch(md, /<img/, md);
      assert.doesNotMatch(md, /https:\/\//, md);
    }
    // The text itself is still all there, escaped.
    assert.ok(hovers[0].includes(escapeMarkdown(evil)));
    assert.equal(escapeMarkdown('a|b'), 'a\\|b');
    // One table row per output: a "|" or a line break in a name cannot add cells or rows.
    assert.equal(hovers[2].split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| target')).length, 2);
  });

  it('labels runs in the tree: when, status, backend, loss, headline metric, duration', () => {
    const now = Date.parse('2026-11-21T10:20:00Z');
    assert.equal(runLabel(run({}), now), '5 min ago · completed');
    assert.equal(runDescription(run({}), now), 'CPU (WASM) · loss 0.412 · acc 90% · 1 min 23 s');
    const reg = run({ finalMetrics: { loss: 0.5, mae: 1.25 }, status: 'stopped' });
    assert.equal(runDescription(reg, now), 'CPU (WASM) · loss 0.500 · MAE 1.250 · 1 min 23 s');
    const live = run({ status: 'running', endedAt: undefined, finalMetrics: undefined, epochsDone: 3 });
    assert.equal(runDescription(live, Date.parse('2026-11-21T10:15:10Z')), 'CPU (WASM) · epoch 3/50 · 10 s');
    assert.equal(headlineMetric(undefined), undefined);
    assert.equal(statusIcon('failed'), 'error');
    assert.equal(statusIcon('running'), 'sync~spin');
  });

  it('orders epoch metrics loss first, validation after training', () => {
    assert.equal(
      epochDescription({ epoch: 3, loss: 0.5, val_accuracy: 0.8, accuracy: 0.9, val_loss: 0.6, ms: 12 }),
      'loss 0.500 · val_loss 0.600 · accuracy 0.900 · val_accuracy 0.800 · 12 ms',
    );
  });

  it('shows the backend and why earlier ones did not load', () => {
    assert.equal(backendStatusText('CPU (WASM)'), '$(chip) CPU (WASM)');
    const tip = backendTooltip({
      name: 'wasm',
      label: 'CPU (WASM)',
      attempts: [
        { name: 'cuda', ok: false, reason: '@tensorflow/tfjs-node-gpu is not installed' },
        { name: 'wasm', ok: true, reason: 'SIMD' },
      ],
    });
    assert.match(tip, /✗ cuda: @tensorflow\/tfjs-node-gpu is not installed/);
    assert.match(tip, /✓ wasm: SIMD/);
  });

  it('prints the summary table with the learnable total', () => {
    const t = summaryTable('Model summary: person', courseLayers);
    assert.match(t, /input \(input, derived\)/);
    assert.match(t, /2 x 2 \+ 2 = 6/);
    assert.match(t, /Learnable parameters: 9\n$/);
  });
});

describe('extension/sidebar/nodes', () => {
  it('marks runs that Resume can continue', () => {
    assert.equal(runContextValue(run({ status: 'completed' })), 'dlmodel.run.completed');
    assert.equal(runContextValue(run({ status: 'stopped' })), 'dlmodel.run.stopped.resumable');
    assert.equal(runContextValue(run({ status: 'interrupted' })), 'dlmodel.run.interrupted.resumable');
    assert.equal(runContextValue(run({ status: 'failed' })), 'dlmodel.run.failed.resumable');
    assert.equal(runContextValue(run({ status: 'running' })), 'dlmodel.run.running');
  });
  it('recognizes nodes passed to commands', () => {
    assert.ok(isRunLike({ kind: 'run', specPath: '/a', dir: '/a/r' }));
    assert.ok(!isRunLike({ kind: 'spec', specPath: '/a' }));
    assert.ok(isSpecLike({ kind: 'spec', specPath: '/a' }));
    assert.ok(!isSpecLike('x'));
  });
});
