// Host-side process control with stand-in trainers (tiny scripts), so each behavior is exact and quick.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startTrainer } from '../../../src/engine/client';
import type { TrainerEvent } from '../../../src/protocol/trainer';
import { scratch } from './helpers';

const JOB = { kind: 'train', specPath: '/x.dlmodel.json', backend: 'cpu' } as const;

describe('trainer client', function () {
  this.timeout(20_000);
  let s: ReturnType<typeof scratch>;
  beforeEach(() => {
    s = scratch();
  });
  afterEach(() => s.cleanup());

  function script(name: string, body: string): string {
    const file = path.join(s.dir, name);
    writeFileSync(file, body);
    return file;
  }

  it('sends the job, relays valid events and stderr, ignores foreign messages, reports the exit', async () => {
    const file = script(
      'echo.js',
      `process.on('message', (m) => {
        if (m.type !== 'job') return;
        process.send('not an event');
        process.send({ type: 'log', level: 'info', message: m.job.specPath + ' v' + m.version });
        process.stderr.write('debug text\\n');
        process.send({ type: 'finished', status: 'completed', runDir: '/r', epochsDone: 1, metrics: {} }, () => process.exit(0));
      });`,
    );
    const events: TrainerEvent[] = [];
    let stderr = '';
    const h = startTrainer(JOB, { trainerScript: file, onEvent: (e) => events.push(e), onStderr: (t) => (stderr += t) });
    assert.ok(h.pid > 0);
    const done = await h.done;
    assert.equal(done.exitCode, 0);
    assert.deepEqual(events.map((e) => e.type), ['log', 'finished']);
    assert.equal((events[0] as { message: string }).message, '/x.dlmodel.json v1');
    assert.equal(done.last?.type, 'finished');
    assert.match(stderr, /debug text/);
  });

  it('cancel asks politely, then kills a trainer that does not exit within killTimeoutMs', async () => {
    // The child says when it listens, so a slow start on a busy machine is not mistaken for not answering.
    const file = script('stubborn.js', `process.on('message', (m) => { if (m.type === 'cancel') process.send({ type: 'log', level: 'info', message: 'got cancel' }); }); process.send({ type: 'log', level: 'info', message: 'listening' }); setInterval(() => {}, 1000);`);
    const events: TrainerEvent[] = [];
    let listening!: () => void;
    const ready = new Promise<void>((r) => (listening = r));
    const h = startTrainer(JOB, {
      trainerScript: file,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'log' && e.message === 'listening') listening();
      },
      killTimeoutMs: 1500,
    });
    await ready;
    const t0 = Date.now();
    h.cancel();
    const done = await h.done;
    assert.equal(done.signal, 'SIGKILL');
    assert.ok(Date.now() - t0 >= 1400, 'not killed before killTimeoutMs');
    assert.deepEqual(events.map((e) => (e.type === 'log' ? e.message : e.type)), ['listening', 'got cancel']);
  });

  it('a trainer that crashes without a word ends with its exit code and no last event', async () => {
    const file = script('crash.js', `process.exit(3);`);
    const done = await startTrainer(JOB, { trainerScript: file, onEvent: () => undefined }).done;
    assert.equal(done.exitCode, 3);
    assert.equal(done.last, undefined);
  });
});
