// The dashboard's coach: the baseline and the insights follow the trainer's events live, then run.json.
import { strict as assert } from 'node:assert';
import { DashboardState, runItem } from '../../../src/extension/dashboard/state';
import type { TrainerEvent } from '../../../src/protocol/trainer';
import type { RunJson } from '../../../src/runs/types';

const baseline = { task: 'classification' as const, majorityClass: 'rain', accuracy: 0.44, rows: 50, split: 'validation' as const };
const started: TrainerEvent = {
  type: 'started', runId: 'r1', runDir: '/runs/r1', backend: { name: 'cpu', label: 'CPU (JS)', attempts: [] },
  params: { trainable: 9, nonTrainable: 0, total: 9 }, layers: [], epochs: 30, initialEpoch: 0, inputNames: ['x'],
  classNames: ['rain', 'sun'], samples: { train: 200, validation: 50 }, baseline,
};
const overfit = { kind: 'overfitting' as const, epoch: 12, about: 'epochs' as const, message: 'Overfitting from epoch 13: ...', numbers: { bestEpoch: 12 } };

describe('dashboard host state: the coach', () => {
  it('shows the baseline from `started` and the insights of each `epoch` while the run trains', () => {
    const s = new DashboardState('/w/a.dlmodel.json', 'a');
    s.apply(started, '/runs/r1');
    let snap = s.snapshot(true);
    assert.deepEqual(snap.baseline, { text: 'always answering "rain": accuracy 44%', metric: 'val_accuracy', value: 0.44 });
    assert.equal(snap.insights?.length, 0);
    s.apply({ type: 'epoch', record: { epoch: 20, loss: 0.2, val_loss: 0.9, ms: 1 }, epochs: 30, etaMs: 1, insights: [overfit] }, '/runs/r1');
    snap = s.snapshot(true);
    assert.deepEqual(snap.insights, [{ kind: 'overfitting', epoch: 12, message: 'Overfitting from epoch 13: ...' }]);
  });

  it('a finished run shows run.json: baseline, insights and the restored epoch in the runs table', () => {
    const run = {
      id: 'r1', name: 'a', specPath: '/w/a.dlmodel.json', spec: {}, specHash: 'h', status: 'completed', backend: 'cpu', startedAt: 't', epochs: 30, epochsDone: 18,
      baseline, insights: [overfit], restoredEpoch: 12, finalMetrics: { val_accuracy: 0.8 },
    } as unknown as RunJson;
    const item = runItem('/runs/r1', run);
    assert.equal(item.baseline?.text, 'always answering "rain": accuracy 44%');
    assert.equal(item.restoredEpoch, 12);
    assert.deepEqual(item.insights?.map((i) => i.kind), ['overfitting']);
    const s = new DashboardState('/w/a.dlmodel.json', 'a');
    s.runs = [item];
    s.runJson.set('/runs/r1', run);
    s.select('/runs/r1');
    assert.deepEqual(s.snapshot(true).insights?.map((i) => i.epoch), [12]);
  });
});
