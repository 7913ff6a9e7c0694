// Kernels outside convolution and pooling that training needs on wasm.
import type { KernelConfig, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { TF } from '../../tf';
import { asTensor, type KernelArgs } from './util';

/** The wasm backend's heap methods (public on its class). */
interface WasmHeap {
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array;
  makeOutput(shape: number[], dtype: 'float32' | 'int32'): TensorInfo;
}

/**
 * The gradient of Gather (embedding layers): out[s] = sum of x[i] over rows i with segmentIds[i] == s.
 * wasm has no such kernel; one pass over the values, rows summed in order, read and written on the heap in
 * place (copying a batch's gradient and the whole table out and back each step cost more than the sums).
 */
export function unsortedSegmentSum(tf: TF, { inputs, attrs = {}, backend }: KernelArgs): TensorInfo {
  const xInfo = inputs.x as TensorInfo;
  const idsInfo = inputs.segmentIds as TensorInfo;
  const numSegments = attrs.numSegments as number;
  const idRank = idsInfo.shape.length;
  const outShape = [numSegments, ...xInfo.shape.slice(idRank)];
  const dtype = xInfo.dtype === 'int32' ? 'int32' : 'float32';
  const heap = backend as Partial<WasmHeap> | undefined;
  if (typeof heap?.typedArrayFromHeap === 'function' && typeof heap.makeOutput === 'function' && idsInfo.dtype === 'int32') {
    // The output first: allocating may grow the heap, which detaches views taken before.
    const out = heap.makeOutput(outShape, dtype);
    const ov = heap.typedArrayFromHeap(out);
    ov.fill(0);
    sumSegments(heap.typedArrayFromHeap(xInfo), heap.typedArrayFromHeap(idsInfo), numSegments, ov);
    return out;
  }
  const x = asTensor(tf, xInfo, 'x');
  const ids = asTensor(tf, idsInfo, 'segmentIds');
  try {
    const out = dtype === 'int32' ? new Int32Array(outShape.reduce((a, d) => a * d, 1)) : new Float32Array(outShape.reduce((a, d) => a * d, 1));
    sumSegments(x.dataSync() as Float32Array | Int32Array, ids.dataSync() as Int32Array, numSegments, out);
    return tf.tensor(out, outShape, dtype);
  } finally {
    x.dispose();
    ids.dispose();
  }
}

function sumSegments(xv: ArrayLike<number>, iv: ArrayLike<number>, numSegments: number, out: Float32Array | Int32Array): void {
  const rows = iv.length;
  const inner = rows === 0 ? 0 : xv.length / rows;
  for (let r = 0; r < rows; r++) {
    const s = iv[r];
    if (s < 0 || s >= numSegments) continue;
    const src = r * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += xv[src + j];
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

