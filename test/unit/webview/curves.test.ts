import { strict as assert } from 'node:assert';
import { ColumnTable, columnsFromRecords } from '../../../src/common/columns';
import { chartData, metricNames } from '../../../webview/model/curves';
import type { CurveSet } from '../../../src/protocol/webview';

const run = (label: string, n: number, batches = 0): CurveSet => ({
  runDir: `/r/${label}`, runId: label, label,
  epochs: columnsFromRecords(Array.from({ length: n }, (_, i) => ({ epoch: i + 1, loss: 1 / (i + 1), val_loss: 1.2 / (i + 1), accuracy: i / n, val_accuracy: i / n, ms: 5 }))),
  batches: Array.from({ length: batches }, (_, b) => ({ x: n + (b + 1) / batches, loss: 0.5, metrics: { accuracy: 0.9 } })),
});

describe('webview/model/curves: chart data', () => {
  it('finds the metrics besides loss', () => {
    assert.deepEqual(metricNames([run('a', 3)]), ['accuracy']);
  });

  it('gives train and validation series per epoch, plus the batches of the running epoch', () => {
    const d = chartData([run('a', 3, 4)], 'loss', { smoothing: 0, buckets: 500 });
    assert.deepEqual(d.series.map((s) => s.split), ['train', 'val', 'batch']);
    assert.deepEqual(d.xs, [1, 2, 3, 3.25, 3.5, 3.75, 4]);
    assert.deepEqual(d.ys[0].slice(0, 3), [1, 0.5, 1 / 3]);
    assert.equal(d.ys[2][3], 0.5);
  });

  it('adds a faint raw series behind each smoothed one', () => {
    const d = chartData([run('a', 5)], 'accuracy', { smoothing: 0.6, buckets: 500 });
    assert.deepEqual(d.series.map((s) => [s.split, s.raw]), [['train', true], ['train', false], ['val', true], ['val', false]]);
    assert.notDeepEqual(d.ys[0], d.ys[1]);
  });

  it('overlays runs with their labels and downsamples long curves', () => {
    const d = chartData([run('a', 100_000), run('b', 10)], 'loss', { smoothing: 0, buckets: 400 });
    assert.ok(d.xs.length <= 1600 + 10, `${d.xs.length}`);
    assert.equal(d.points, 200_020);
    assert.deepEqual(d.series.map((s) => s.label), ['a: train loss', 'a: validation loss', 'b: train loss', 'b: validation loss']);
  });

  it('keeps columns aligned when a record lacks a key, and replaces redone epochs', () => {
    const cols = columnsFromRecords([{ epoch: 1, loss: 1, ms: 1 }, { epoch: 2, loss: 0.5, val_loss: 0.7, ms: 1 }, { epoch: 3, loss: 0.4, ms: 1 }]);
    assert.ok(cols.val_loss instanceof Float64Array, 'columns travel as Float64Arrays');
    assert.deepEqual(Array.from(cols.val_loss), [NaN, 0.7, NaN]);
    assert.deepEqual(Array.from(cols.epoch), [1, 2, 3]);
    const again = columnsFromRecords([{ epoch: 1, loss: 1, ms: 1 }, { epoch: 2, loss: 0.5, ms: 1 }, { epoch: 3, loss: 0.4, ms: 1 }, { epoch: 2, loss: 0.45, ms: 1 }]);
    assert.deepEqual(Array.from(again.epoch), [1, 2]);
    assert.deepEqual(Array.from(again.loss), [1, 0.45]);
    const d = chartData([{ runDir: 'r', runId: 'r', label: 'r', epochs: cols, batches: [] }], 'loss', { smoothing: 0, buckets: 100 });
    assert.deepEqual(d.ys[1], [null, 0.7, null]);
  });

  it('downsamples only the visible range when zoomed, with the points at or beyond its edges', () => {
    const d = chartData([run('a', 100_000)], 'loss', { smoothing: 0, buckets: 100, range: { min: 5000.5, max: 5100.5 } });
    // 100 epochs in view fit whole: no detail is lost when zooming in.
    assert.deepEqual(d.xs, Array.from({ length: 102 }, (_, i) => 5000 + i));
    assert.equal(d.ys[0][1], 1 / 5001);
    const wide = chartData([run('a', 100_000)], 'loss', { smoothing: 0, buckets: 100, range: { min: 10_000, max: 90_000 } });
    assert.ok(wide.xs.length <= 400 && wide.xs[0] === 10_000 && wide.xs[wide.xs.length - 1] === 90_000, `${wide.xs[0]}..${wide.xs[wide.xs.length - 1]}`);
  });

  it('keeps the extremes of every series of a run on one shared x axis', () => {
    const n = 50_000;
    const cols = new ColumnTable();
    for (let i = 1; i <= n; i++) cols.append({ epoch: i, loss: i === 1234 ? 9 : 1, val_loss: i === 40_000 ? -3 : 2 });
    const d = chartData([{ runDir: 'r', runId: 'r', label: 'r', epochs: cols.columns(), batches: [] }], 'loss', { smoothing: 0, buckets: 200 });
    assert.ok(d.xs.length <= 200 * 4 * 2);
    assert.equal(Math.max(...(d.ys[0] as number[])), 9);
    assert.equal(Math.min(...(d.ys[1] as number[])), -3);
    assert.equal(d.ys[0].length, d.xs.length);
    for (let i = 1; i < d.xs.length; i++) assert.ok(d.xs[i] > d.xs[i - 1]);
  });
});

describe('common/columns: the host table', () => {
  it('grows, replaces redone epochs and hands out exact-length copies until it changes', () => {
    const t = new ColumnTable();
    for (let i = 1; i <= 40; i++) t.append({ epoch: i, loss: i / 10 });
    const a = t.columns();
    assert.equal(a.epoch.length, 40);
    assert.equal(a.loss.buffer.byteLength, 40 * 8, 'no spare capacity travels with a snapshot');
    assert.equal(t.columns(), a, 'unchanged table: the same columns');
    t.append({ epoch: 39, loss: 7, accuracy: 0.5 });
    const b = t.columns();
    assert.notEqual(b, a);
    assert.equal(t.length, 39);
    assert.deepEqual(Array.from(b.loss.slice(-2)), [3.8, 7]);
    assert.ok(Number.isNaN(b.accuracy[0]));
    assert.equal(b.accuracy[38], 0.5);
    assert.equal(a.loss[38], 3.9, 'columns already handed out do not change');
  });
});
