// Tasks A (MLP) and C (CNN) train on WebGPU (here: Dawn's OpenGL ES backend on Mesa llvmpipe) and end
// with the same loss as on wasm after the same steps from the same weights. Without a WebGPU adapter the
// test is skipped with the reason printed.
import { strict as assert } from 'node:assert';
import * as core from '@tensorflow/tfjs-core';
import * as layers from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import type { TF } from '../../../src/engine/tf';
import { loadWebgpu } from '../../../src/engine/backends/webgpu';
import { registerWasmTrainingKernels } from '../../../src/engine/backends/wasm-kernels';
import { TASKS, makeData, trainSteps, type TaskDef } from '../../../bench/tasks';

const tf = { ...core, ...layers } as unknown as TF;

async function run(backend: 'wasm' | 'webgpu', task: TaskDef, weights: Float32Array[] | undefined, steps: number, batchSize: number, rows: number) {
  const ok = await tf.setBackend(backend);
  assert.ok(ok, `${backend} did not start`);
  const model = task.build(tf, 11);
  if (weights) model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
  const initial = await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
  model.compile({ optimizer: tf.train.adam(1e-2), loss: 'categoricalCrossentropy' });
  const data = makeData(task, rows, 3);
  const { losses } = await trainSteps(tf, model, task, data, steps, { batchSize, seed: 5 });
  // The weights must really live on the backend under test.
  assert.equal(core.engine().backendName, backend);
  assert.equal((core.engine().state.tensorInfo.get(model.getWeights()[0].dataId) as { backend: unknown }).backend, core.engine().findBackend(backend));
  model.dispose();
  return { initial, losses };
}

describe('WebGPU trains like wasm', function () {
  this.timeout(600_000);
  let unavailable: string | undefined;
  let adapter = '';
  let previous = '';

  before(async () => {
    previous = core.getBackend();
    registerWasmTrainingKernels(tf);
    try {
      const r = await loadWebgpu(tf);
      adapter = `${r.adapterName} [${r.detail}]`;
    } catch (e) {
      unavailable = (e as Error).message;
    }
  });

  after(async () => {
    if (core.findBackend('webgpu')) core.removeBackend('webgpu');
    if (previous && previous !== 'webgpu') await core.setBackend(previous);
  });

  const cases: { id: 'A' | 'C'; steps: number; batch: number; rows: number }[] = [
    { id: 'A', steps: 12, batch: 64, rows: 1024 },
    { id: 'C', steps: 6, batch: 16, rows: 128 },
  ];
  for (const c of cases) {
    it(`task ${c.id} (${TASKS[c.id].title}): loss within 1% of wasm after ${c.steps} steps`, async function () {
      if (unavailable) {
        console.log(`      skipped: no WebGPU here: ${unavailable}`);
        this.skip();
      }
      console.log(`      adapter: ${adapter}`);
      const task = TASKS[c.id];
      const ref = await run('wasm', task, undefined, c.steps, c.batch, c.rows);
      const gpu = await run('webgpu', task, ref.initial, c.steps, c.batch, c.rows);
      const first = ref.losses[0];
      const last = ref.losses[c.steps - 1];
      assert.ok(last < first * 0.97, `the wasm loss should fall noticeably for the comparison to mean something (${first} -> ${last})`);
      const got = gpu.losses[c.steps - 1];
      assert.ok(Number.isFinite(got), `WebGPU loss is ${got}`);
      const rel = Math.abs(got - last) / Math.abs(last);
      console.log(`      loss ${first.toFixed(4)} -> wasm ${last.toFixed(5)}, webgpu ${got.toFixed(5)} (${rel.toExponential(2)})`);
      assert.ok(rel <= 0.01, `WebGPU loss ${got} differs from wasm ${last} by ${(rel * 100).toFixed(2)}%`);
    });
  }
});
