// Kernels outside convolution and pooling that training needs on wasm.
import type { KernelConfig, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { TF } from '../../tf';
import { asTensor, type KernelArgs } from './util';

/**
 * The gradient of Gather (embedding layers): out[s] = sum of x[i] over rows i with segmentIds[i] == s.
 * wasm has no such kernel; one pass over the values, rows summed in order.
 */
export function unsortedSegmentSum(tf: TF, { inputs, attrs = {} }: KernelArgs): TensorInfo {
  const x = asTensor(tf, inputs.x, 'x');
  const ids = asTensor(tf, inputs.segmentIds, 'segmentIds');
  try {
    const numSegments = attrs.numSegments as number;
    const xv = x.dataSync();
    const iv = ids.dataSync();
    const rows = iv.length;
    const inner = rows === 0 ? 0 : xv.length / rows;
    const outShape = [numSegments, ...x.shape.slice(ids.rank)];
    const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
    for (let r = 0; r < rows; r++) {
      const s = iv[r];
      if (s < 0 || s >= numSegments) continue;
      const src = r * inner;
      const dst = s * inner;
      for (let j = 0; j < inner; j++) out[dst + j] += xv[src + j];
    }
    return tf.tensor(out, outShape, x.dtype === 'int32' ? 'int32' : 'float32');
  } finally {
    x.dispose();
    ids.dispose();
  }
}

/**
 * wasm's BatchMatMul is fast only for untransposed operands; training multiplies by transposes in every
 * dense layer's gradient. Transposing explicitly first (a cheap copy) then takes the fast path.
 */
export function fastBatchMatMul(tf: TF, native: KernelConfig): KernelFunc {
  return (args) => {
    const { inputs, attrs = {} } = args;
    if (!attrs.transposeA && !attrs.transposeB) return native.kernelFunc(args);
    const a = asTensor(tf, inputs.a, 'a');
    const b = asTensor(tf, inputs.b, 'b');
    const swap = (t: Tensor) => {
      const perm = t.shape.map((_, i) => i);
      const n = perm.length;
      [perm[n - 2], perm[n - 1]] = [perm[n - 1], perm[n - 2]];
      return tf.transpose(t, perm);
    };
    const a2 = attrs.transposeA ? swap(a) : a;
    const b2 = attrs.transposeB ? swap(b) : b;
    try {
      return native.kernelFunc({ ...args, inputs: { a: a2, b: b2 }, attrs: { ...attrs, transposeA: false, transposeB: false } });
    } finally {
      for (const t of new Set([a, b, a2, b2])) t.dispose();
    }
  };
}

