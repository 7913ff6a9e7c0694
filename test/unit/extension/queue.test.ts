import * as assert from 'node:assert/strict';
import { RunQueue } from '../../../src/extension/runs/queue';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('extension/runs/queue', () => {
  it('runs items one after another with a limit of 1', async () => {
    const log: string[] = [];
    const gates = new Map<string, ReturnType<typeof deferred>>();
    const q = new RunQueue<string>(async (e) => {
      log.push(`start ${e.item}`);
      const g = deferred();
      gates.set(e.item, g);
      await g.promise;
      log.push(`end ${e.item}`);
    }, () => 1);
    const a = q.enqueue('a');
    const b = q.enqueue('b');
    await tick();
    assert.deepEqual(log, ['start a']);
    assert.deepEqual(q.queued().map((e) => e.item), ['b']);
    assert.deepEqual(q.running().map((e) => e.item), ['a']);
    gates.get('a')!.resolve();
    await a.done;
    await tick();
    assert.deepEqual(log, ['start a', 'end a', 'start b']);
    gates.get('b')!.resolve();
    await b.done;
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b']);
    assert.equal(q.running().length, 0);
  });

  it('runs up to the limit at once, read at each start', async () => {
    let limit = 2;
    let concurrent = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const q = new RunQueue<number>(async () => {
      concurrent++;
      peak = Math.max(peak, concurrent);
      await new Promise<void>((r) => gates.push(r));
      concurrent--;
    }, () => limit);
    const all = [1, 2, 3].map((i) => q.enqueue(i).done);
    await tick();
    assert.equal(peak, 2);
    limit = 1;
    gates.shift()!();
    gates.shift()!();
    await tick();
    await tick();
    assert.equal(concurrent, 1);
    gates.shift()!();
    await Promise.all(all);
    assert.equal(peak, 2);
  });

  it('removes queued items (their promise settles) and keeps going after a failing item', async () => {
    const started: string[] = [];
    const gate = deferred();
    const q = new RunQueue<string>(async (e) => {
      started.push(e.item);
      if (e.item === 'x') throw new Error('boom');
      if (e.item === 'a') await gate.promise;
    }, () => 1);
    const a = q.enqueue('a');
    const b = q.enqueue('b');
    const c = q.enqueue('x');
    const d = q.enqueue('d');
    assert.deepEqual(q.remove((i) => i === 'b'), ['b']);
    await b.done;
    gate.resolve();
    await Promise.all([a.done, c.done, d.done]);
    assert.deepEqual(started, ['a', 'x', 'd']);
  });

  it('treats a limit below 1 as 1', async () => {
    const started: number[] = [];
    const q = new RunQueue<number>(async (e) => {
      started.push(e.item);
    }, () => 0);
    await q.enqueue(1).done;
    assert.deepEqual(started, [1]);
  });
});
