// Shared pieces of the wasm training kernels. Each kernel is built from public tf ops that the wasm backend
// runs natively and fast; ops run inside a kernel are not recorded on the gradient tape, so composing is safe.
import type { NamedAttrMap, NamedTensorInfoMap, Tensor, Tensor4D, TensorInfo } from '@tensorflow/tfjs-core';
import type { TF } from '../../tf';

export type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
export type Rounding = 'floor' | 'round' | 'ceil' | undefined;

export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  attrs?: NamedAttrMap;
  /** The backend instance running the kernel. */
  backend?: unknown;
}

/**
 * A Tensor view of a kernel input, holding its own reference to the data: dispose it (or create it inside
 * tidy); the caller's tensor stays valid.
 */
export function asTensor<T extends Tensor = Tensor>(tf: TF, info: TensorInfo | undefined, name: string): T {
  if (!info) throw new Error(`missing kernel input '${name}'`);
  const engine = tf.engine();
  const t = engine.makeTensorFromTensorInfo(info) as T;
  engine.backend.incRef(info.dataId);
  return t;
}

export function pair(v: number | number[]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1] ?? v[0]];
}

export function assertNhwc(dataFormat: unknown, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernel} on wasm supports only channels-last (NHWC) data, got ${String(dataFormat)}`);
  }
}

/**
 * Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor.
 * `value` fills the padding.
 */
export function padOrCrop(tf: TF, t: Tensor4D, top: number, bottom: number, left: number, right: number, value = 0): Tensor4D {
  const [b, h, w, c] = t.shape;
  const cropT = Math.max(0, -top);
  const cropB = Math.max(0, -bottom);
  const cropL = Math.max(0, -left);
  const cropR = Math.max(0, -right);
  let r = t;
  if (cropT || cropB || cropL || cropR) {
    r = tf.slice(r, [0, cropT, cropL, 0], [b, h - cropT - cropB, w - cropL - cropR, c]);
  }
  const pT = Math.max(0, top);
  const pB = Math.max(0, bottom);
  const pL = Math.max(0, left);
  const pR = Math.max(0, right);
  if (pT || pB || pL || pR) {
    r = tf.pad(r, [[0, 0], [pT, pB], [pL, pR], [0, 0]], value);
  }
  return r;
}

/**
 * Inserts `sh - 1` zero rows after every row and `sw - 1` zero columns after every column ("dilates" the
 * spatial grid): [B, H, W, C] -> [B, H * sh, W * sw, C]. The trailing zeros are the caller's to crop or keep.
 */
export function dilate(tf: TF, t: Tensor4D, sh: number, sw: number): Tensor4D {
  if (sh === 1 && sw === 1) return t;
  const [b, h, w, c] = t.shape;
  const six = tf.reshape(t, [b, h, 1, w, 1, c]);
  const padded = tf.pad(six, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return tf.reshape(padded, [b, h * sh, w * sw, c]);
}
