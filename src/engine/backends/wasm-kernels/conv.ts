// Convolution gradients for wasm, as forward convolutions (XNNPACK-fast) of rearranged tensors.
import type { Tensor4D, TensorInfo } from '@tensorflow/tfjs-core';
import type { TF } from '../../tf';
import { asTensor, assertNhwc, dilate, padOrCrop, pair, type KernelArgs, type Pad, type Rounding } from './util';

/**
 * dW[kh,kw,ci,co] = sum over b,oh,ow of x[b, oh*sh + kh - pt, ow*sw + kw - pl, ci] * dy[b,oh,ow,co]:
 * a stride-1 convolution of x seen as [Ci, H, W, B] with dy seen as a [Ho, Wo, B, Co] filter dilated by the
 * forward stride, giving [Ci, kh, kw, Co].
 */
export function conv2dBackpropFilter(tf: TF, { inputs, attrs = {} }: KernelArgs): TensorInfo {
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
