// Convolution gradients for wasm, as forward convolutions (XNNPACK-fast) of rearranged tensors.
import type { Tensor4D, TensorInfo } from '@tensorflow/tfjs-core';
import type { TF } from '../../tf';
import { asTensor, assertNhwc, dilate, padOrCrop, pair, type KernelArgs, type Pad, type Rounding } from './util';

/**
 * dW[kh,kw,ci,co] = sum over b,oh,ow of x[b, oh*sh + kh - pt, ow*sw + kw - pl, ci] * dy[b,oh,ow,co], in one of
 * two forms: a matrix product of the input's patches (small filters), or a convolution (the others).
 */
export function conv2dBackpropFilter(tf: TF, args: KernelArgs): TensorInfo {
  const [kh, kw, ci] = args.attrs?.filterShape as [number, number, number, number];
  return (kh * kw * ci < IM2COL_BELOW ? conv2dBackpropFilterIm2col(tf, args) : undefined) ?? conv2dBackpropFilterConv(tf, args);
}

/**
 * Filters with fewer values per output channel (kh * kw * Ci) than this take the patch-matrix form. The
 * convolution form's product has that many rows: with few of them (a first layer on one-channel images: 9)
 * XNNPACK runs it at a fraction of its speed (2.7x slower than the patch matrix, 3 x 3 x 1 on 28 x 28 at batch
 * 64), while with many (3 x 3 x 16: 144) writing the patch matrix in JavaScript costs more than it saves.
 */
export const IM2COL_BELOW = 64;

/**
 * The convolution form: a stride-1 convolution of x seen as [Ci, H, W, B] with dy seen as a [Ho, Wo, B, Co]
 * filter dilated by the forward stride, giving [Ci, kh, kw, Co].
 */
export function conv2dBackpropFilterConv(tf: TF, { inputs, attrs = {} }: KernelArgs): TensorInfo {
  assertNhwc(attrs.dataFormat, 'Conv2DBackpropFilter');
  const filterShape = attrs.filterShape as [number, number, number, number];
  return tf.tidy(() => {
    let x = asTensor<Tensor4D>(tf, inputs.x, 'x');
    const dy = asTensor<Tensor4D>(tf, inputs.dy, 'dy');
    const info = tf.backend_util.computeConv2DInfo(
      x.shape,
      filterShape,
      pair(attrs.strides as number | number[]),
      1,
      attrs.pad as Pad,
      attrs.dimRoundingMode as Rounding,
      false,
      'channelsLast',
    );
    const [, h, w] = x.shape;
    const [kh, kw] = filterShape;
    const { strideHeight: sh, strideWidth: sw } = info;
    const ho = dy.shape[1];
    const wo = dy.shape[2];
    const pt = info.padInfo.top;
    const pl = info.padInfo.left;
    // Rows/columns past the last window are never read: crop them (negative padding) or pad up to it.
    const pb = kh + (ho - 1) * sh - h - pt;
    const pr = kw + (wo - 1) * sw - w - pl;
    x = padOrCrop(tf, x, 0, Math.min(0, pb), 0, Math.min(0, pr));
    const xT = tf.transpose(x, [3, 1, 2, 0]) as Tensor4D;
    const f = tf.transpose(dy, [1, 2, 0, 3]) as Tensor4D;
    const out = tf.conv2d(
      xT,
      f,
      1,
      [[0, 0], [pt, Math.max(0, pb)], [pl, Math.max(0, pr)], [0, 0]],
      'NHWC',
      [sh, sw],
    );
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

/**
 * dx = the forward convolution of dy, dilated by the stride and padded by (k - 1 - pad), with the filter
 * flipped spatially and its in/out channels swapped. wasm's own kernel is a naive loop, about 10x slower.
 */
export function conv2dBackpropInput(tf: TF, { inputs, attrs = {} }: KernelArgs): TensorInfo {
  assertNhwc(attrs.dataFormat, 'Conv2DBackpropInput');
  const inputShape = attrs.inputShape as [number, number, number, number];
  return tf.tidy(() => {
    const dy = asTensor<Tensor4D>(tf, inputs.dy, 'dy');
    const filter = asTensor<Tensor4D>(tf, inputs.filter, 'filter');
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape,
      pair(attrs.strides as number | number[]),
      1,
      attrs.pad as Pad,
      attrs.dimRoundingMode as Rounding,
      false,
      'channelsLast',
    );
    const [, h, w] = inputShape;
    const [kh, kw] = filter.shape;
    const { strideHeight: sh, strideWidth: sw } = info;
    const [, ho, wo] = dy.shape;
    const pt = info.padInfo.top;
    const pl = info.padInfo.left;
    // The dilated dy carries sh-1 / sw-1 zero rows/columns after its last real one: count them as padding.
    const dyd = dilate(tf, dy, sh, sw);
    const padT = kh - 1 - pt;
    const padL = kw - 1 - pl;
    const padB = h + pt - (ho - 1) * sh - 1 - (sh - 1);
    const padR = w + pl - (wo - 1) * sw - 1 - (sw - 1);
    const shaped = padOrCrop(tf, dyd, Math.min(0, padT), Math.min(0, padB), Math.min(0, padL), Math.min(0, padR));
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as Tensor4D;
    return tf.conv2d(
      shaped,
      flipped,
      1,
      [[0, 0], [Math.max(0, padT), Math.max(0, padB)], [Math.max(0, padL), Math.max(0, padR)], [0, 0]],
      'NHWC',
    );
  });
}

/** The wasm backend's heap (public methods of its class, not of the KernelBackend interface). */
interface WasmHeap {
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * dW as one matrix product: the input's patches laid out as columns, [kh*kw*Ci, B*Ho*Wo] (written in one pass
 * over the heap), times dy seen as [B*Ho*Wo, Co], gives [kh, kw, Ci, Co]. The convolution form above hands
 * XNNPACK a filter as large as the image (26 x 26 x 64 x 16 for a 3 x 3 layer on 28 x 28 at batch 64), which it
 * packs anew every step and runs at a few output pixels per call; this product is the same arithmetic on the
 * matrix kernel's fast path. Undefined where the backend has no heap (then the convolution form runs).
 * The patch matrix is kh*kw*Ci x B*Ho*Wo values: for large filters the convolution form is cheaper (IM2COL_BELOW).
 */
export function conv2dBackpropFilterIm2col(tf: TF, { inputs, attrs = {}, backend }: KernelArgs): TensorInfo | undefined {
  const heap = backend as Partial<WasmHeap> | undefined;
  const matMul = tf.getKernel('_FusedMatMul', 'wasm')?.kernelFunc;
  if (!matMul || typeof heap?.typedArrayFromHeap !== 'function' || typeof heap.makeOutput !== 'function' || typeof heap.disposeData !== 'function') return undefined;
  assertNhwc(attrs.dataFormat, 'Conv2DBackpropFilter');
  const xInfo = inputs.x as TensorInfo;
  const dyInfo = inputs.dy as TensorInfo;
  const filterShape = attrs.filterShape as [number, number, number, number];
  const [b, h, w, ci] = xInfo.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    [b, h, w, ci],
    filterShape,
    pair(attrs.strides as number | number[]),
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
    false,
    'channelsLast',
  );
  const [kh, kw, , co] = filterShape;
  const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const k = kh * kw * ci;
  const n = b * ho * wo;
  const h0 = heap as WasmHeap;
  const cols = h0.makeOutput([k, n], 'float32');
  try {
    // Views after the allocation (allocating may grow the heap and detach earlier views).
    const xv = h0.typedArrayFromHeap(xInfo);
    const cv = h0.typedArrayFromHeap(cols);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        for (let c = 0; c < ci; c++) {
          const rowBase = ((ky * kw + kx) * ci + c) * n;
          let p = rowBase;
          for (let bb = 0; bb < b; bb++) {
            for (let oy = 0; oy < ho; oy++) {
              const iy = oy * sh + ky - pt;
              if (iy < 0 || iy >= h) {
                cv.fill(0, p, p + wo);
                p += wo;
                continue;
              }
              // Output columns whose input column ox * sw + kx - pl lies inside the image: [lo, hi).
              const lo = Math.min(wo, Math.max(0, Math.ceil((pl - kx) / sw)));
              const hi = Math.max(lo, Math.min(wo, Math.floor((w - 1 + pl - kx) / sw) + 1));
              if (lo > 0) cv.fill(0, p, p + lo);
              let src = ((bb * h + iy) * w + lo * sw + kx - pl) * ci + c;
              const step = sw * ci;
              for (let ox = lo; ox < hi; ox++) {
                cv[p + ox] = xv[src];
                src += step;
              }
              if (hi < wo) cv.fill(0, p + hi, p + wo);
              p += wo;
            }
          }
        }
      }
    }
    const out = matMul({
      inputs: { a: { dataId: cols.dataId, shape: [1, k, n], dtype: 'float32' }, b: { dataId: dyInfo.dataId, shape: [1, n, co], dtype: 'float32' } },
      backend: heap as never,
      attrs: { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0 },
    }) as TensorInfo;
    return { dataId: out.dataId, shape: filterShape, dtype: 'float32' };
  } finally {
    h0.disposeData(cols.dataId, true);
  }
}
