// Training kernels for the wasm backend. tfjs-backend-wasm 4.22 cannot train convolutional networks
// (no Conv2DBackpropFilter), cannot train embeddings (no UnsortedSegmentSum), has a wrong MaxPoolGrad
// (windows of values <= 0 get no gradient), and several of its gradient kernels are slow. Each replacement
// here is composed of fast native wasm ops, or is one pass over the values on the wasm heap, and is checked
// against the cpu backend in test/unit/kernels/.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { TF } from '../../tf';
import { conv2dBackpropFilter, conv2dBackpropInput } from './conv';
import { fastBatchMatMul, unsortedSegmentSum } from './misc';
import { avgPoolGrad, maxPoolGrad } from './pool';
import { sliceKernel, splitVKernel, unpackKernel } from './slice';
import type { KernelArgs } from './util';

const BACKEND = 'wasm';

type Composed = (tf: TF, args: KernelArgs) => TensorInfo;

const COMPOSED: Record<string, Composed> = {
  Conv2DBackpropFilter: conv2dBackpropFilter,
  Conv2DBackpropInput: conv2dBackpropInput,
  MaxPoolGrad: maxPoolGrad,
  AvgPoolGrad: avgPoolGrad,
  UnsortedSegmentSum: unsortedSegmentSum,
};

const registeredBy = new WeakMap<object, string[]>();

/**
 * Registers (or replaces) the wasm kernels that training needs, on the kernel registry of `tf`.
 * Call after importing @tensorflow/tfjs-backend-wasm, before or after `setBackend('wasm')`; calling again is harmless.
 * Returns the kernel names registered.
 */
export function registerWasmTrainingKernels(tf: TF): string[] {
  const done = registeredBy.get(tf.engine());
  if (done) return done;
  if (tf.getKernelsForBackend(BACKEND).length === 0) {
    // Importing the wasm backend later would register its native kernels over ours.
    throw new Error("registerWasmTrainingKernels: import '@tensorflow/tfjs-backend-wasm' first");
  }
  const names: string[] = [];
  const put = (kernelName: string, kernelFunc: KernelFunc, native?: KernelConfig) => {
    if (native) tf.unregisterKernel(kernelName, BACKEND);
    tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc, setupFunc: native?.setupFunc });
    names.push(kernelName);
  };
  for (const [name, fn] of Object.entries(COMPOSED)) {
    const native = tf.getKernel(name, BACKEND);
    put(name, (args) => fn(tf, args as KernelArgs), native);
  }
  const matMul = tf.getKernel('BatchMatMul', BACKEND);
  if (matMul) put('BatchMatMul', fastBatchMatMul(tf, matMul), matMul);
  // Slicing from a view of the heap instead of a copy of the whole input per piece (slice.ts).
  const slice = tf.getKernel('Slice', BACKEND);
  if (slice) put('Slice', sliceKernel(tf, slice), slice);
  const unpack = tf.getKernel('Unpack', BACKEND);
  if (unpack) put('Unpack', unpackKernel(unpack), unpack);
  const splitV = tf.getKernel('SplitV', BACKEND);
  if (splitV) put('SplitV', splitVKernel(tf, splitV), splitV);
  registeredBy.set(tf.engine(), names);
  return names;
}
