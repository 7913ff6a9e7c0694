// The host side of the dashboard without VS Code: trainer events in, snapshots out.
import { strict as assert } from 'node:assert';
import { DashboardState, SEND_WHOLE_KERNEL, weightsForTransport } from '../../../src/extension/dashboard/state';
import type { LayerWeights, TrainerEvent } from '../../../src/protocol/trainer';
import { isWebviewToHost } from '../../../src/protocol/webview';

const stats = { min: -1, max: 1, mean: 0, std: 0.5, histogram: [1], histMin: -1, histMax: 1 };
const started: TrainerEvent = {
  type: 'started', runId: 'r1', runDir: '/runs/r1', backend: { name: 'cpu', label: 'CPU (JS)', attempts: [] },
  params: { trainable: 9, nonTrainable: 0, total: 9 },
  layers: [
    { name: 'input', type: 'input', outputShape: [null, 2], params: 0, trainable: false, derived: 'input' },
    { name: 'dense_1', type: 'dense', outputShape: [null, 2], params: 6, trainable: true },
    { name: 'dense_2', type: 'dense', outputShape: [null, 1], params: 3, trainable: true, derived: 'output' },
  ],
  epochs: 3, initialEpoch: 0, inputNames: ['x1', 'x2'], classNames: ['no', 'yes'], samples: { train: 8, validation: 2 },
};

describe('dashboard host state', () => {
  it('follows a run from started through batches and epochs to finished', () => {
    const s = new DashboardState('/w/a.dlmodel.json', 'a');
    assert.deepEqual(s.apply(started, '/runs/r1'), { reloadRuns: true });
    s.apply({ type: 'batch', epoch: 1, batch: 1, batchesPerEpoch: 2, loss: 0.9, metrics: { accuracy: 0.5 } }, '/runs/r1');
    s.apply({ type: 'batch', epoch: 1, batch: 2, batchesPerEpoch: 2, loss: 0.8, metrics: { accuracy: 0.5 } }, '/runs/r1');
    let snap = s.snapshot(true);
    assert.equal(snap.selectedRun, '/runs/r1');
    assert.deepEqual(snap.curves[0].batches.map((b) => b.x), [0.5, 1]);
    assert.equal(snap.live?.batch, 2);
    assert.equal(snap.layers.length, 3);
    s.apply({ type: 'epoch', record: { epoch: 1, loss: 0.8, val_loss: 0.9, accuracy: 0.5, ms: 3 }, epochs: 3, etaMs: 6 }, '/runs/r1');
    s.apply({ type: 'epoch', record: { epoch: 2, loss: 0.6, val_loss: 0.7, accuracy: 0.75, ms: 3 }, epochs: 3, etaMs: 3 }, '/runs/r1');
    snap = s.snapshot(true);
    assert.deepEqual(Array.from(snap.curves[0].epochs.loss), [0.8, 0.6]);
    assert.ok(snap.curves[0].epochs.loss instanceof Float64Array);
    assert.deepEqual(snap.curves[0].batches, []);
    assert.equal(snap.live?.epoch, 2);
    const todo = s.apply({ type: 'finished', status: 'completed', runDir: '/runs/r1', epochsDone: 2, metrics: { loss: 0.6 } }, '/runs/r1');
    assert.deepEqual(todo, { reloadRuns: true, finishedRun: '/runs/r1' });
    assert.equal(s.snapshot(true).live?.state, 'completed');
    assert.ok(s.snapshot(true).seq > snap.seq);
  });

  it('keeps weights of the shown run only', () => {
    const s = new DashboardState('/w/a.dlmodel.json', 'a');
    s.apply(started, '/runs/r1');
    const w: LayerWeights = { index: 0, name: 'dense_1', type: 'Dense', kernelShape: [2, 2], kernel: [1, 2, 3, 4], bias: [0, 0], stats };
    s.apply({ type: 'weights', epoch: 1, layers: [w] }, '/runs/other');
    assert.equal(s.snapshot(true).weights, undefined);
    s.apply({ type: 'weights', epoch: 1, layers: [w] }, '/runs/r1');
    assert.deepEqual(s.snapshot(true).weights?.layers[0].kernel, [1, 2, 3, 4]);
  });

  it('sends a large dense kernel as the sub-matrix the diagram draws', () => {
    const kernel = Array.from({ length: 784 * 128 }, (_, i) => i);
    assert.ok(kernel.length > SEND_WHOLE_KERNEL);
    const [t] = weightsForTransport([{ index: 0, name: 'd', type: 'Dense', kernelShape: [784, 128], kernel, stats }]);
    assert.equal(t.kernelRows?.length, 11);
    assert.equal(t.kernelCols?.length, 11);
    assert.equal(t.kernel?.length, 121);
    // Row 783, column 127 is the last entry of the sub-matrix.
    assert.equal(t.kernel?.[120], 783 * 128 + 127);
  });

  it('validates what the webview sends', () => {
    assert.ok(isWebviewToHost({ type: 'ready' }));
    assert.ok(isWebviewToHost({ type: 'predict', input: { x: 1 } }));
    assert.ok(!isWebviewToHost({ type: 'predict', input: [1] }));
    assert.ok(!isWebviewToHost({ type: 'compareRuns', runDirs: [1] }));
    assert.ok(!isWebviewToHost({ type: 'rm -rf' }));
    assert.ok(!isWebviewToHost(null));
  });
});
