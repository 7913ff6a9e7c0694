// Pooling gradients for wasm. tfjs-backend-wasm 4.22's MaxPoolGrad starts its running maximum at +1.2e-38
// instead of -Infinity, so a window whose values are all <= 0 gets no gradient at all; both native kernels
// are slow. These are single passes over the values on the wasm heap and follow the cpu backend exactly: the
// first maximum of a window (row-major) takes the gradient, and average pooling divides by the full window size.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { TF } from '../../tf';
import { pair, type KernelArgs, type Pad, type Rounding } from './util';

function poolInfo(tf: TF, shape: [number, number, number, number], attrs: KernelArgs['attrs'] = {}) {
  const info = tf.backend_util.computePool2DInfo(
    shape,
    pair(attrs.filterSize as number | number[]),
    pair(attrs.strides as number | number[]),
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
  );
  return {
    fh: info.filterHeight,
    fw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    pt: info.padInfo.top,
    pl: info.padInfo.left,
    ho: info.outHeight,
    wo: info.outWidth,
  };
}

/** The wasm backend's own heap views (public methods of its class, not of the KernelBackend interface). */
interface WasmHeap {
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}

function wasmHeap(backend: unknown): WasmHeap | undefined {
  const b = backend as Partial<WasmHeap> | undefined;
  return b && typeof b.typedArrayFromHeap === 'function' && typeof b.makeOutput === 'function' ? (b as WasmHeap) : undefined;
}

/**
 * A zeroed float32 output of `shape` written in place on the wasm heap (or a plain array elsewhere), and a
 * reader of the inputs' values. The output is allocated before any view is taken: growing the heap would
 * detach earlier views.
 */
function outputFor(tf: TF, backend: unknown, shape: number[]) {
  const heap = wasmHeap(backend);
  const out = heap?.makeOutput(shape, 'float32');
  const dx = heap && out ? heap.typedArrayFromHeap(out) : new Float32Array(shape.reduce((a, v) => a * v, 1));
  dx.fill(0);
  const read = (t: TensorInfo) => (heap ? heap.typedArrayFromHeap(t) : (tf.engine().backend.readSync(t.dataId) as Float32Array));
  return { out, dx, read };
}

/**
 * One pass over the data in JavaScript, reading and writing the wasm heap in place: for each window and
 * channel, the first maximum (row-major, as on cpu; NaN never wins) receives the window's gradient. This beats
 * any composition of wasm ops here (their slices and transposes are JavaScript loops too).
 */
export function maxPoolGrad(tf: TF, { inputs, attrs, backend }: KernelArgs): TensorInfo {
  const x = inputs.input;
  const dy = inputs.dy;
  if (!x || !dy) throw new Error("MaxPoolGrad needs inputs 'input' and 'dy'");
  const [b, h, w, c] = x.shape as [number, number, number, number];
  const { fh, fw, sh, sw, pt, pl, ho, wo } = poolInfo(tf, [b, h, w, c], attrs);
  const { out, dx, read } = outputFor(tf, backend, [b, h, w, c]);
  const xv = read(x);
  const gv = read(dy);
  if (fh === 2 && fw === 2 && sh === 2 && sw === 2 && pt === 0 && pl === 0 && 2 * ho <= h && 2 * wo <= w) {
    maxPoolGrad2x2(xv, gv, dx, b, h, w, c, ho, wo);
    return out ?? tf.tensor4d(dx, [b, h, w, c]);
  }
  const best = new Float64Array(c);
  const at = new Int32Array(c);
  for (let n = 0; n < b; n++) {
    for (let oh = 0; oh < ho; oh++) {
      const h0 = oh * sh - pt;
      const i0 = Math.max(0, -h0);
      const i1 = Math.min(fh, h - h0);
      for (let ow = 0; ow < wo; ow++) {
        const w0 = ow * sw - pl;
        const j0 = Math.max(0, -w0);
        const j1 = Math.min(fw, w - w0);
        if (i0 >= i1 || j0 >= j1) continue;
        let first = true;
        for (let i = i0; i < i1; i++) {
          for (let j = j0; j < j1; j++) {
            const base = ((n * h + h0 + i) * w + w0 + j) * c;
            if (first) {
              for (let ch = 0; ch < c; ch++) {
                best[ch] = xv[base + ch];
                at[ch] = best[ch] === best[ch] ? base + ch : -1; // NaN: no maximum yet
                if (at[ch] < 0) best[ch] = -Infinity;
              }
              first = false;
              continue;
            }
            for (let ch = 0; ch < c; ch++) {
              const v = xv[base + ch];
              if (v > best[ch]) {
                best[ch] = v;
                at[ch] = base + ch;
              }
            }
          }
        }
        const g = ((n * ho + oh) * wo + ow) * c;
        for (let ch = 0; ch < c; ch++) if (at[ch] >= 0) dx[at[ch]] += gv[g + ch];
      }
    }
  }
  return out ?? tf.tensor4d(dx, [b, h, w, c]);
}

/** The common 2x2 pooling with stride 2, every window inside the input, unrolled (same rules as the general loop). */
function maxPoolGrad2x2(
  xv: Float32Array,
  gv: Float32Array,
  dx: Float32Array,
  b: number,
  h: number,
  w: number,
  c: number,
  ho: number,
  wo: number,
): void {
  const row = w * c;
  for (let n = 0; n < b; n++) {
    for (let oh = 0; oh < ho; oh++) {
      for (let ow = 0; ow < wo; ow++) {
        const p00 = ((n * h + 2 * oh) * w + 2 * ow) * c;
        const p01 = p00 + c;
        const p10 = p00 + row;
        const p11 = p10 + c;
        const g = ((n * ho + oh) * wo + ow) * c;
        for (let ch = 0; ch < c; ch++) {
          let m = -Infinity;
          let at = -1;
          let v = xv[p00 + ch];
          if (v > m) {
            m = v;
            at = p00 + ch;
          }
          v = xv[p01 + ch];
          if (v > m) {
            m = v;
            at = p01 + ch;
          }
          v = xv[p10 + ch];
          if (v > m) {
            m = v;
            at = p10 + ch;
          }
          v = xv[p11 + ch];
          if (v > m) at = p11 + ch;
          if (at >= 0) dx[at] = gv[g + ch];
        }
      }
    }
  }
}

/** Every window sends dy / (fh * fw) to each of its positions inside the input (as the cpu backend does). */
export function avgPoolGrad(tf: TF, { inputs, attrs, backend }: KernelArgs): TensorInfo {
  const x = inputs.input;
  const dy = inputs.dy;
  if (!x || !dy) throw new Error("AvgPoolGrad needs inputs 'input' and 'dy'");
  const [b, h, w, c] = x.shape as [number, number, number, number];
  const { fh, fw, sh, sw, pt, pl, ho, wo } = poolInfo(tf, [b, h, w, c], attrs);
  const { out, dx, read } = outputFor(tf, backend, [b, h, w, c]);
  const gv = read(dy);
  const share = 1 / (fh * fw);
  for (let n = 0; n < b; n++) {
    for (let oh = 0; oh < ho; oh++) {
      const h0 = oh * sh - pt;
      const i0 = Math.max(0, -h0);
      const i1 = Math.min(fh, h - h0);
      for (let ow = 0; ow < wo; ow++) {
        const w0 = ow * sw - pl;
        const j0 = Math.max(0, -w0);
        const j1 = Math.min(fw, w - w0);
        const g = ((n * ho + oh) * wo + ow) * c;
        for (let i = i0; i < i1; i++) {
          for (let j = j0; j < j1; j++) {
            const base = ((n * h + h0 + i) * w + w0 + j) * c;
            for (let ch = 0; ch < c; ch++) dx[base + ch] += gv[g + ch] * share;
          }
        }
      }
    }
  }
  return out ?? tf.tensor4d(dx, [b, h, w, c]);
}
