// Reading run folders without TensorFlow.js: listing, interrupted runs, torn metrics, deleting.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  acquireRunLock,
  appendMetrics,
  createRunDir,
  deleteRun,
  hashJson,
  latestCompletedRun,
  listRunFolders,
  listRuns,
  MetricsLog,
  newRunId,
  readMetrics,
  readRun,
  RunFileError,
  RunLockedError,
  runsRootFor,
  stageRunJson,
  truncateMetrics,
  unsafeSegment,
  writeRunJson,
} from '../../../src/runs/folder';
import type { RunJson } from '../../../src/runs/types';
import { runCli, scratch } from '../engine/helpers';

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
    assert.equal((await readRun(dir)).status, 'running', 'listing alone writes nothing');
    assert.equal(runs.find((r) => r.dir === live)?.run.status, 'running');
    await listRuns(specPath, { write: true });
    assert.equal((await readRun(dir)).status, 'interrupted', 'written back to run.json when the caller may write');
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
    const staged = stageRunJson(dir, run('r1', { status: 'running', epochsDone: 3 }));
    assert.equal((await readRun(dir)).epochsDone, 2);
    await staged.commit();
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

// Issue 14: a cloned repository is hostile input. Each case fails on the code before the fix.
describe('run folders from a hostile repository', () => {
  let s: ReturnType<typeof scratch>;
  let specPath: string;
  let outside: string;
  const BAIT = 'echo the real bashrc\n';
  beforeEach(() => {
    s = scratch();
    mkdirSync(path.join(s.dir, 'repo'));
    specPath = path.join(s.dir, 'repo', 'x.dlmodel.json');
    writeFileSync(specPath, '{}');
    outside = path.join(s.dir, 'bashrc');
    writeFileSync(outside, BAIT);
  });
  afterEach(() => s.cleanup());

  function runJson(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      id,
      name: 'x',
      specPath: '/elsewhere/x.dlmodel.json',
      spec: { data: { target: 'y' }, model: { layers: [] } },
      specHash: 'h',
      status: 'completed',
      backend: 'wasm',
      startedAt: '2026-11-21T10:00:00.000Z',
      epochs: 5,
      epochsDone: 5,
      ...over,
    };
  }

  function plant(id: string, content: unknown): string {
    const dir = path.join(s.dir, 'repo', '.dlmodel', 'runs', 'x', id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'run.json'), typeof content === 'string' ? content : JSON.stringify(content));
    return dir;
  }

  it('case 1: symlinked temp files next to a stale run.json never get written through', async () => {
    const dir = plant('r1', runJson('r1', { status: 'running', pid: deadPid(), epochsDone: 0 }));
    // The old writer's temp names: run.json.<pid>.tmp for every pid this test could run as.
    for (let pid = Math.max(1, process.pid - 50); pid < process.pid + 50; pid++) symlinkSync(outside, path.join(dir, `run.json.${pid}.tmp`));
    symlinkSync(outside, path.join(dir, 'metrics.jsonl'));
    const before = readFileSync(path.join(dir, 'run.json'), 'utf8');
    const runs = await listRuns(specPath);
    assert.equal(runs[0].run.status, 'interrupted', 'shown as interrupted');
    assert.equal(readFileSync(path.join(dir, 'run.json'), 'utf8'), before, 'listing writes nothing by default');
    await listRuns(specPath, { write: true });
    assert.equal(readFileSync(outside, 'utf8'), BAIT, 'the file outside is untouched');
    assert.equal((await readRun(dir)).status, 'interrupted', 'run.json itself was replaced');
    // Appending metrics refuses a link rather than following it.
    await assert.rejects(appendMetrics(dir, { epoch: 1, loss: 1, ms: 1 }), /ELOOP|symbolic link/);
    assert.equal(readFileSync(outside, 'utf8'), BAIT);
  });

  it('case 1: a run folder that is a link out of the runs folder is not written, even when writing is allowed', async () => {
    const target = path.join(s.dir, 'victim');
    mkdirSync(target);
    writeFileSync(path.join(target, 'run.json'), JSON.stringify(runJson('r9', { status: 'running', pid: deadPid(), epochsDone: 0 })));
    const before = readFileSync(path.join(target, 'run.json'), 'utf8');
    mkdirSync(path.join(s.dir, 'repo', '.dlmodel', 'runs', 'x'), { recursive: true });
    symlinkSync(target, path.join(s.dir, 'repo', '.dlmodel', 'runs', 'x', 'r9'));
    assert.deepEqual(await listRuns(specPath, { write: true }), [], 'a linked run folder is not a run of this experiment');
    assert.equal(readFileSync(path.join(target, 'run.json'), 'utf8'), before);
    // The same with `.dlmodel` itself a link out of the project: listed, never written.
    rmSync(path.join(s.dir, 'repo', '.dlmodel'), { recursive: true });
    mkdirSync(path.join(s.dir, 'away', 'runs', 'x'), { recursive: true });
    renameSync(target, path.join(s.dir, 'away', 'runs', 'x', 'r9'));
    symlinkSync(path.join(s.dir, 'away'), path.join(s.dir, 'repo', '.dlmodel'));
    const runs = await listRuns(specPath, { write: true });
    assert.equal(runs[0].run.status, 'interrupted');
    assert.equal(readFileSync(path.join(s.dir, 'away', 'runs', 'x', 'r9', 'run.json'), 'utf8'), before);
  });

  it('case 1: the safe writer replaces a link named like its target instead of writing through it', async () => {
    const dir = plant('r1', runJson('r1'));
    rmSync(path.join(dir, 'run.json'));
    symlinkSync(outside, path.join(dir, 'run.json'));
    await writeRunJson(dir, runJson('r1') as unknown as RunJson);
    assert.equal(readFileSync(outside, 'utf8'), BAIT);
    assert.equal((await readRun(dir)).id, 'r1');
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp file left behind');
  });

  it('case 8: a bad run.json (null, "status": {}, numeric id) is listed as unreadable; the other runs still are', async () => {
    plant('good', runJson('good'));
    plant('a-null', 'null');
    plant('b-status', runJson('b-status', { status: {} }));
    plant('c-id', runJson('c-id', { id: 42 }));
    plant('d-syntax', '{ "id": ');
    const { runs, unreadable } = await listRunFolders(specPath);
    assert.deepEqual(runs.map((r) => r.run.id), ['good']);
    assert.deepEqual(unreadable.map((u) => u.id).sort(), ['a-null', 'b-status', 'c-id', 'd-syntax']);
    assert.match(unreadable.find((u) => u.id === 'a-null')!.error, /run\.json: run\.json holds null/);
    assert.match(unreadable.find((u) => u.id === 'b-status')!.error, /"status" is \{\}/);
    assert.match(unreadable.find((u) => u.id === 'c-id')!.error, /"id" is 42, not a string/);
    assert.equal((await latestCompletedRun(specPath))?.run.id, 'good');
    await assert.rejects(readRun(path.join(s.dir, 'repo', '.dlmodel', 'runs', 'x', 'a-null')), RunFileError);
  });

  it('case 8: dlmodel runs lists the readable runs and the unreadable one, exit 0', async () => {
    plant('good', runJson('good'));
    plant('bad', 'null');
    const r = await runCli(['runs', specPath]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^good\s+completed/m);
    assert.match(r.stdout, /^bad\s+unreadable/m);
    const j = await runCli(['runs', specPath, '--json']);
    const out = JSON.parse(j.stdout.trim().split('\n').pop()!) as { runs: { id: string; status: string }[] };
    assert.deepEqual(out.runs.map((x) => [x.id, x.status]), [['good', 'completed'], ['bad', 'unreadable']]);
  });

  it('case 14: the run lock refuses a second trainer while the first lives, and takes over a dead one', async () => {
    const dir = plant('r1', runJson('r1'));
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(path.join(dir, 'run.lock'), `${holder.pid}\n`);
      await assert.rejects(acquireRunLock(dir), (err: Error) => err instanceof RunLockedError && new RegExp(`process ${holder.pid}`).test(err.message));
      await assert.rejects(deleteRun(dir), /being trained/);
    } finally {
      holder.kill();
    }
    writeFileSync(path.join(dir, 'run.lock'), `${deadPid()}\n`);
    const lock = await acquireRunLock(dir);
    assert.equal(readFileSync(path.join(dir, 'run.lock'), 'utf8').trim(), String(process.pid));
    await lock.release();
    assert.ok(!existsSync(path.join(dir, 'run.lock')));
    // A link planted as the lock is never written through.
    symlinkSync(outside, path.join(dir, 'run.lock'));
    const again = await acquireRunLock(dir);
    await again.release();
    assert.equal(readFileSync(outside, 'utf8'), BAIT);
  });

  it('case 3: an experiment name is one safe folder name', () => {
    for (const bad of ['../../../escaped', '.', '..', 'a/b', 'a\\b', '.hidden', '']) {
      assert.ok(unsafeSegment(bad), bad);
      assert.throws(() => runsRootFor(specPath, bad), RunFileError, bad);
    }
    assert.equal(unsafeSegment('iris-2 (v3)'), undefined);
  });
});
