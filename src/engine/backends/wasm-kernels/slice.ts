// Slicing kernels for wasm that read their input in place. tfjs-backend-wasm 4.22's Slice copies the
// WHOLE input out of the heap (readSync) before taking its piece, and Unpack (unstack) and SplitV call it
// once per piece: unstacking a [batch, 64 steps, features] sequence, as recurrent layers do every batch
// (forwards, and their gradients backwards), copies the sequence 64 times over, and garbage-collects it.
// Here each piece is copied straight from a view of the heap, runs of the last axis at a time. Checked
// against the cpu backend in test/unit/kernels/wasm-slice.test.ts.
import type { DataType, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { TF } from '../../tf';
import type { KernelArgs } from './util';

type Values = Float32Array | Int32Array | Uint8Array;

/** The wasm backend's own heap methods (public on its class). */
interface WasmHeap {
  typedArrayFromHeap(t: TensorInfo): Values;
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
}

function heapOf(backend: unknown): WasmHeap {
  const b = backend as Partial<WasmHeap>;
  if (typeof b.typedArrayFromHeap !== 'function' || typeof b.makeOutput !== 'function') throw new Error('slice kernels: not the wasm backend');
  return b as WasmHeap;
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** Copies the box `begin` + `size` of `src` (of `shape`, row-major) into `dst`, row-major. */
export function copyBox(src: Values, shape: readonly number[], begin: readonly number[], size: readonly number[], dst: Values): void {
  const rank = shape.length;
  const total = size.reduce((a, d) => a * d, 1);
  if (total === 0) return;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  const st = strides(shape);
  const run = size[rank - 1];
  let from = 0;
  for (let d = 0; d < rank; d++) from += begin[d] * st[d];
  // An odometer over every axis but the last; each position copies one run of the last axis.
  const idx = new Array<number>(rank - 1).fill(0);
  for (let out = 0; out < total; out += run) {
    dst.set(src.subarray(from, from + run), out);
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d] < size[d]) {
        from += st[d];
        break;
      }
      from -= (size[d] - 1) * st[d];
      idx[d] = 0;
    }
  }
}

type Box = { begin: number[]; size: number[] };

/** Outputs allocated first (allocating may grow the heap, which detaches earlier views), then filled. */
function slicesOf(backend: unknown, x: TensorInfo, boxes: Box[], outShapes: number[][]): TensorInfo[] {
  const heap = heapOf(backend);
  const outs = boxes.map((b) => heap.makeOutput(b.size, x.dtype));
  const src = heap.typedArrayFromHeap(x);
  boxes.forEach((b, i) => copyBox(src, x.shape, b.begin, b.size, heap.typedArrayFromHeap(outs[i])));
  return outs.map((o, i) => ({ dataId: o.dataId, shape: outShapes[i], dtype: o.dtype }));
}

/** Kernels whose string inputs (kept off the heap) still go to the native kernel. */
function orNative(native: KernelConfig, input: string, f: KernelFunc): KernelFunc {
  return (args) => ((args.inputs[input] as TensorInfo).dtype === 'string' ? native.kernelFunc(args) : f(args));
}

export function sliceKernel(tf: TF, native: KernelConfig): KernelFunc {
  return orNative(native, 'x', ({ inputs, attrs = {}, backend }: KernelArgs) => {
    const x = inputs.x as TensorInfo;
    const [begin, size] = tf.slice_util.parseSliceParams(x as never, attrs.begin as number[], attrs.size as number[]);
    return slicesOf(backend, x, [{ begin, size }], [size])[0];
  });
}

export function unpackKernel(native: KernelConfig): KernelFunc {
  return orNative(native, 'value', ({ inputs, attrs = {}, backend }: KernelArgs) => {
    const value = inputs.value as TensorInfo;
    const rank = value.shape.length;
    const axis = ((attrs.axis as number) + rank) % rank;
    const outShape = value.shape.filter((_, d) => d !== axis);
    const boxes: Box[] = [];
    for (let i = 0; i < value.shape[axis]; i++) {
      const begin = new Array<number>(rank).fill(0);
      begin[axis] = i;
      const size = value.shape.slice();
      size[axis] = 1;
      boxes.push({ begin, size });
    }
    return slicesOf(backend, value, boxes, boxes.map(() => outShape));
  });
}

export function splitVKernel(tf: TF, native: KernelConfig): KernelFunc {
  return orNative(native, 'x', ({ inputs, attrs = {}, backend }: KernelArgs) => {
    const x = inputs.x as TensorInfo;
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as never, attrs.numOrSizeSplits as number | number[], axis);
    const boxes: Box[] = [];
    let at = 0;
    for (const s of sizes) {
      const begin = new Array<number>(x.shape.length).fill(0);
      begin[axis] = at;
      const size = x.shape.slice();
      size[axis] = s;
      boxes.push({ begin, size });
      at += s;
    }
    return slicesOf(backend, x, boxes, boxes.map((b) => b.size));
  });
}
