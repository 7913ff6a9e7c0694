// A WebGPU device error (here: a buffer over the 128 MiB storage-binding limit, which Dawn rejects with a
// validation error and then computes nothing) must surface as an exception on the next read, never as a
// result. Without a WebGPU adapter the test is skipped with the reason printed.
import { strict as assert } from 'node:assert';
import * as core from '@tensorflow/tfjs-core';
import * as layers from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import type { TF } from '../../../src/engine/tf';
import { loadWebgpu } from '../../../src/engine/backends/webgpu';

const tf = { ...core, ...layers } as unknown as TF;

describe('WebGPU device errors fail the computation', function () {
  this.timeout(120_000);
  let unavailable: string | undefined;
  let previous = '';

  before(async () => {
    previous = core.getBackend();
    try {
      await loadWebgpu(tf);
    } catch (e) {
      unavailable = (e as Error).message;
    }
  });

  after(async () => {
    // The device is broken on purpose: drop it so that a later loadWebgpu starts a fresh one.
    if (core.findBackend('webgpu')) core.removeBackend('webgpu');
    if (previous && previous !== 'webgpu') await core.setBackend(previous);
  });

  it('a validation error rejects the read with the Dawn message, and synchronous reads explain themselves', async function () {
    if (unavailable) {
      console.log(`      skipped: no WebGPU here: ${unavailable}`);
      this.skip();
    }
    // (Small ops on values still on the CPU run there; 4096 elements go to the GPU.)
    const small = tf.add(tf.ones([4096]), 1);
    assert.throws(() => small.dataSync(), /cannot read tensor data synchronously/);
    assert.ok(Array.from(await small.data()).every((v) => v === 2));

    const big = tf.ones([40_000_000]); // 160 MB: over maxStorageBufferBindingSize (128 MiB) here
    const sum = tf.sum(tf.mul(big, 2));
    await assert.rejects(sum.data(), /WebGPU device error: .*(Validation|binding size|exceeds)/i);
    // The device stays marked as failed: later reads fail too instead of returning stale data.
    await assert.rejects(tf.add(small, 1).data(), /WebGPU device error/);
  });
});
