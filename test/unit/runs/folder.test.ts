// Reading run folders without TensorFlow.js: listing, interrupted runs, torn metrics, deleting.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  appendMetrics,
  createRunDir,
  deleteRun,
  hashJson,
  latestCompletedRun,
  listRuns,
  MetricsLog,
  newRunId,
  readMetrics,
  readRun,
  runsRootFor,
  stageRunJson,
  truncateMetrics,
  writeRunJson,
} from '../../../src/runs/folder';
import type { RunJson } from '../../../src/runs/types';
import { scratch } from '../engine/helpers';

function deadPid(): number {
  // A process that has certainly exited: one we started and waited for.
  return spawnSync(process.execPath, ['-e', '0']).pid ?? 999_999;
}

describe('run store', () => {
  let s: ReturnType<typeof scratch>;
  let specPath: string;
  beforeEach(() => {
    s = scratch();
    specPath = path.join(s.dir, 'iris.dlmodel.json');
    writeFileSync(specPath, '{}');
  });
  afterEach(() => s.cleanup());

  function run(id: string, over: Partial<RunJson> = {}): RunJson {
    return {
      id,
      name: 'iris',
      specPath,
      spec: { data: { target: 'y' }, model: { layers: [] } },
      specHash: 'h',
      status: 'completed',
      backend: 'wasm',
      startedAt: `2026-11-21T10:00:0${id.slice(-1)}.000Z`,
      epochs: 5,
      epochsDone: 5,
      ...over,
    };
  }

  async function make(id: string, over: Partial<RunJson> = {}): Promise<string> {
    const dir = path.join(runsRootFor(specPath, 'iris'), id);
    mkdirSync(dir, { recursive: true });
    await writeRunJson(dir, run(id, over));
    return dir;
  }

  it('puts runs in .dlmodel/runs/<name>/ beside the spec, with sortable ids', async () => {
    assert.equal(runsRootFor(specPath, 'iris'), path.join(s.dir, '.dlmodel', 'runs', 'iris'));
    assert.match(newRunId(new Date(2026, 10, 21, 10, 15, 2)), /^20261121-101502-[0-9a-f]{3}$/);
    const a = await createRunDir(runsRootFor(specPath, 'iris'));
    assert.ok(existsSync(a.dir));
    assert.equal(hashJson({ b: 1, a: [1, { d: 2, c: 3 }] }), hashJson({ a: [1, { c: 3, d: 2 }], b: 1 }));
  });

  it('lists runs newest first and finds the latest completed one', async () => {
    await make('r1');
    await make('r3', { status: 'failed' });
    await make('r2');
    const other = path.join(s.dir, 'other.dlmodel.json');
    const foreign = path.join(runsRootFor(specPath, 'iris'), 'r4');
    mkdirSync(foreign, { recursive: true });
    await writeRunJson(foreign, run('r4', { specPath: other }));
    const runs = await listRuns(specPath);
    assert.deepEqual(runs.map((r) => r.run.id), ['r3', 'r2', 'r1'], "another spec's runs are not listed");
    assert.equal((await latestCompletedRun(specPath))?.run.id, 'r2');
  });

  it('marks a running run whose process is gone as interrupted, with the epochs metrics.jsonl proves', async () => {
    const dir = await make('r1', { status: 'running', pid: deadPid(), epochsDone: 1 });
    await appendMetrics(dir, { epoch: 1, loss: 1, ms: 1 });
    await appendMetrics(dir, { epoch: 2, loss: 0.5, ms: 1 });
    const live = await make('r2', { status: 'running', pid: process.pid });
    const runs = await listRuns(specPath);
    const r1 = runs.find((r) => r.run.id === 'r1');
    assert.equal(r1?.run.status, 'interrupted');
    assert.equal(r1?.run.epochsDone, 2);
    assert.equal(r1?.run.pid, undefined);
    assert.equal((await readRun(dir)).status, 'interrupted', 'written back to run.json');
    assert.equal(runs.find((r) => r.dir === live)?.run.status, 'running');
  });

  it('skips a torn last line of metrics.jsonl and truncates for a resume', async () => {
    const dir = await make('r1');
    await appendMetrics(dir, { epoch: 1, loss: 1, ms: 1 });
    await appendMetrics(dir, { epoch: 2, loss: 0.5, ms: 1 });
    writeFileSync(path.join(dir, 'metrics.jsonl'), readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8') + '{"epoch":3,"lo');
    assert.deepEqual((await readMetrics(dir)).map((m) => m.epoch), [1, 2]);
    await truncateMetrics(dir, 1);
    assert.deepEqual((await readMetrics(dir)).map((m) => m.epoch), [1]);
    assert.deepEqual(await readMetrics(path.join(s.dir, 'nowhere')), []);
  });

  it("a run's metrics log appends after a truncate; a staged run.json shows only once committed", async () => {
    const dir = await make('r1', { status: 'running', epochsDone: 2 });
    await appendMetrics(dir, { epoch: 1, loss: 1, ms: 1 });
    await appendMetrics(dir, { epoch: 2, loss: 0.5, ms: 1 });
    await truncateMetrics(dir, 1);
    const log = new MetricsLog(dir);
    await log.append({ epoch: 2, loss: 0.4, ms: 1 });
    await log.append({ epoch: 3, loss: 0.3, ms: 1 });
    await log.close();
    assert.deepEqual((await readMetrics(dir)).map((m) => [m.epoch, m.loss]), [[1, 1], [2, 0.4], [3, 0.3]]);
    const commit = stageRunJson(dir, run('r1', { status: 'running', epochsDone: 3 }));
    assert.equal((await readRun(dir)).epochsDone, 2);
    await commit();
    assert.equal((await readRun(dir)).epochsDone, 3);
  });

  it('deletes a run folder, but not one still training', async () => {
    const done = await make('r1');
    await deleteRun(done);
    assert.ok(!existsSync(done));
    const live = await make('r2', { status: 'running', pid: process.pid });
    await assert.rejects(deleteRun(live), /still training/);
  });
});
