// Loops over float32 arrays as 128-bit SIMD, in a tiny WebAssembly module that shares the wasm backend's
// memory (four float32 lanes per instruction, where a JavaScript loop does one). The module is assembled here
// from its bytes: the project has no WebAssembly toolchain, and each function is a few dozen instructions.
//  - adam, per element, in float32, as tf.train.adam's kernels do (a1 = 1 - b1, a2 = 1 - b2, c1 and c2 the
//    bias corrections):  m' = b1 m + a1 g;  v' = b2 v + a2 g g;  x' = x - lr (m' c1) / (sqrt(v' c2) + eps)
//  - reluGrad, the gradient through relu from its output a, as tfjs's (dy * step(x)):  da' = da * (a > 0 ? 1 : 0)
//  - transpose, a rows x cols matrix into cols x rows, four by four (tfjs's Transpose kernel goes value by
//    value: about 0.11 ms for the 128 x 784 batch of bench task B, which its weight gradient needs every
//    step; this loop about 0.04 ms)

/** Byte offsets on the shared memory; `n` a multiple of 4 (the caller finishes any remainder). */
export type AdamSimd = (
  x: number, m: number, v: number, g: number, nx: number, nm: number, nv: number, n: number,
  b1: number, a1: number, b2: number, a2: number, lr: number, c1: number, c2: number, eps: number,
) => void;

/** The parts of the WebAssembly API used here (the project's TypeScript libraries do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WASM = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** da' = da * (a > 0 ? 1 : 0) over `n` values at byte offsets `da` and `a`; `n` a multiple of 4. */
export type ReluGradSimd = (da: number, a: number, n: number) => void;

/** out = in transposed: `rows` x `cols` float32 values at byte offset `src` into `dst`; both multiples of 4. */
export type TransposeSimd = (src: number, dst: number, rows: number, cols: number) => void;

export interface SimdKernels {
  adam: AdamSimd;
  reluGrad: ReluGradSimd;
  transpose: TransposeSimd;
}

const cache = new WeakMap<WasmMemory, SimdKernels | null>();

/**
 * The SIMD loops on `memory`, or undefined where this engine lacks WebAssembly SIMD. A shared memory (the
 * threaded wasm build's) needs a module that imports it as shared.
 */
export function simdKernels(memory: WasmMemory): SimdKernels | undefined {
  let kernels = cache.get(memory);
  if (kernels === undefined) {
    try {
      const shared = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
      const instance = new WASM.Instance(new WASM.Module(moduleBytes(shared)), { env: { memory } });
      const { adam, reluGrad, transpose } = instance.exports;
      kernels = { adam: adam as AdamSimd, reluGrad: reluGrad as ReluGradSimd, transpose: transpose as TransposeSimd };
    } catch {
      kernels = null;
    }
    cache.set(memory, kernels);
  }
  return kernels ?? undefined;
}

// ---- the module's bytes ----
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (d: number) => [0x0c, d],
  brIf: (d: number) => [0x0d, d],
  get: (i: number) => [0x20, i],
  set: (i: number) => [0x21, i],
  tee: (i: number) => [0x22, i],
  i32Const: (v: number) => [0x41, v], // small non-negative values only (one LEB byte below 64)
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32Shl: [0x74],
  i32Mul: [0x6c],
  load: [0xfd, 0x00, 0x02, 0x00], // v128.load align=4 offset=0
  store: [0xfd, 0x0b, 0x02, 0x00],
  splat: [0xfd, 0x13], // f32x4.splat
  sqrt: [0xfd, 0xe3, 0x01],
  add: [0xfd, 0xe4, 0x01],
  sub: [0xfd, 0xe5, 0x01],
  mul: [0xfd, 0xe6, 0x01],
  div: [0xfd, 0xe7, 0x01],
  gt: [0xfd, 0x44], // f32x4.gt: all ones where a > b
  and: [0xfd, 0x4e], // v128.and
  f32Const: (v: number) => [0x43, ...new Uint8Array(Float32Array.of(v).buffer)],
  /** i8x16.shuffle picking four float32 lanes: 0..3 from the first operand, 4..7 from the second. */
  shuffle: (lanes: [number, number, number, number]) => [0xfd, 0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])],
};

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

const vec = (items: number[][]) => [...leb(items.length), ...items.flat()];
const name = (s: string) => [...leb(s.length), ...Buffer.from(s, 'latin1')];
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];

/**
 * A loop over `n` float32 values, four at a time: `n` (a parameter, a count) becomes bytes, and local `k`
 * (the byte position) runs from 0 by 16 while `each` does one step; then the function's end.
 */
function fourAtATime(n: number, k: number, each: number[]): number[] {
  return [
    ...op.get(n), ...op.i32Const(2), ...op.i32Shl, ...op.set(n),
    ...op.block,
    ...op.loop,
    ...op.get(k), ...op.get(n), ...op.i32GeU, ...op.brIf(1),
    ...each,
    ...op.get(k), ...op.i32Const(16), ...op.i32Add, ...op.set(k),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
}

function adamCode(): number[] {
  // Parameters 0..7: x m v g nx nm nv (byte offsets) n (count); 8..15: b1 a1 b2 a2 lr c1 c2 eps.
  const [x, m, v, g, nx, nm, nv, n] = [0, 1, 2, 3, 4, 5, 6, 7];
  // Locals: 16 k (byte position), 17..24 the scalars splatted, 25 G, 26 M, 27 V.
  const k = 16;
  const S = (i: number) => 17 + i; // splat of parameter 8 + i
  const [G, M, V] = [25, 26, 27];
  const at = (base: number) => [...op.get(base), ...op.get(k), ...op.i32Add];
  const body = [
    ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((i) => [...op.get(8 + i), ...op.splat, ...op.set(S(i))]),
    ...fourAtATime(n, k, [
      ...at(g), ...op.load, ...op.set(G),
      // m' = b1 m + a1 g
      ...at(nm),
      ...op.get(S(0)), ...at(m), ...op.load, ...op.mul,
      ...op.get(S(1)), ...op.get(G), ...op.mul, ...op.add,
      ...op.tee(M), ...op.store,
      // v' = b2 v + a2 g g
      ...at(nv),
      ...op.get(S(2)), ...at(v), ...op.load, ...op.mul,
      ...op.get(S(3)), ...op.get(G), ...op.mul, ...op.get(G), ...op.mul, ...op.add,
      ...op.tee(V), ...op.store,
      // x' = x - lr (m' c1) / (sqrt(v' c2) + eps)
      ...at(nx),
      ...at(x), ...op.load,
      ...op.get(S(4)), ...op.get(M), ...op.get(S(5)), ...op.mul, ...op.mul,
      ...op.get(V), ...op.get(S(6)), ...op.mul, ...op.sqrt, ...op.get(S(7)), ...op.add,
      ...op.div, ...op.sub, ...op.store,
    ]),
  ];
  return [...vec([[1, I32], [11, V128]]), ...body];
}

function reluGradCode(): number[] {
  // Parameters 0..2: da a (byte offsets) n (count); locals: 3 k (byte position), 4 the splat of 1.
  const [da, a, n, k, one] = [0, 1, 2, 3, 4];
  const at = (base: number) => [...op.get(base), ...op.get(k), ...op.i32Add];
  const body = [
    ...op.f32Const(1), ...op.splat, ...op.set(one),
    ...fourAtATime(n, k, [
      // da * (1 & (a > 0)): a product, as tfjs's gradient is, so a NaN or infinite da stays one where a <= 0
      ...at(da),
      ...at(da), ...op.load,
      ...op.get(one), ...at(a), ...op.load, ...op.f32Const(0), ...op.splat, ...op.gt, ...op.and,
      ...op.mul, ...op.store,
    ]),
  ];
  return [...vec([[1, I32], [1, V128]]), ...body];
}

function transposeCode(): number[] {
  // Parameters 0..3: src dst (byte offsets) rows cols. Locals: 4 rs (bytes per source row), 5 os (bytes per
  // output row), 6 end (end of the source), 7 pr (this block row's start in the source), 8 qr (its column
  // in the output), 9 p, 10 q (the current 4 x 4 block in each), 11 pEnd (end of the block row's first row),
  // 12..15 the four rows read, 16..19 them half interleaved.
  const [src, dst, rows, cols, rs, os, end, pr, qr, p, q, pEnd] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const R = (i: number) => 12 + i;
  const T = (i: number) => 16 + i;
  const plus = (a: number, b: number, times = 1) => [...op.get(a), ...op.get(b), ...(times > 1 ? [...op.i32Const(times), ...op.i32Mul] : []), ...op.i32Add];
  const body = [
    ...op.get(cols), ...op.i32Const(2), ...op.i32Shl, ...op.set(rs),
    ...op.get(rows), ...op.i32Const(2), ...op.i32Shl, ...op.set(os),
    ...op.get(src), ...op.get(rows), ...op.get(rs), ...op.i32Mul, ...op.i32Add, ...op.set(end),
    ...op.get(src), ...op.set(pr),
    ...op.get(dst), ...op.set(qr),
    ...op.block,
    ...op.loop,
    ...op.get(pr), ...op.get(end), ...op.i32GeU, ...op.brIf(1),
    ...op.get(pr), ...op.set(p),
    ...op.get(qr), ...op.set(q),
    ...plus(pr, rs), ...op.set(pEnd),
    ...op.block,
    ...op.loop,
    ...op.get(p), ...op.get(pEnd), ...op.i32GeU, ...op.brIf(1),
    // Rows a, b, c, d of the block; then [a0 b0 a1 b1], [a2 b2 a3 b3], [c0 d0 c1 d1], [c2 d2 c3 d3];
    // then the columns [a0 b0 c0 d0] ... [a3 b3 c3 d3], stored one output row apart.
    ...[0, 1, 2, 3].flatMap((i) => [...(i ? plus(p, rs, i) : op.get(p)), ...op.load, ...op.set(R(i))]),
    ...op.get(R(0)), ...op.get(R(1)), ...op.shuffle([0, 4, 1, 5]), ...op.set(T(0)),
    ...op.get(R(0)), ...op.get(R(1)), ...op.shuffle([2, 6, 3, 7]), ...op.set(T(1)),
    ...op.get(R(2)), ...op.get(R(3)), ...op.shuffle([0, 4, 1, 5]), ...op.set(T(2)),
    ...op.get(R(2)), ...op.get(R(3)), ...op.shuffle([2, 6, 3, 7]), ...op.set(T(3)),
    ...op.get(q), ...op.get(T(0)), ...op.get(T(2)), ...op.shuffle([0, 1, 4, 5]), ...op.store,
    ...plus(q, os), ...op.get(T(0)), ...op.get(T(2)), ...op.shuffle([2, 3, 6, 7]), ...op.store,
    ...plus(q, os, 2), ...op.get(T(1)), ...op.get(T(3)), ...op.shuffle([0, 1, 4, 5]), ...op.store,
    ...plus(q, os, 3), ...op.get(T(1)), ...op.get(T(3)), ...op.shuffle([2, 3, 6, 7]), ...op.store,
    ...op.get(p), ...op.i32Const(16), ...op.i32Add, ...op.set(p),
    ...plus(q, os, 4), ...op.set(q),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...plus(pr, rs, 4), ...op.set(pr),
    ...op.get(qr), ...op.i32Const(16), ...op.i32Add, ...op.set(qr),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  return [...vec([[8, I32], [8, V128]]), ...body];
}

function moduleBytes(shared: boolean): Uint8Array {
  const adam = adamCode();
  const relu = reluGradCode();
  const transpose = transposeCode();
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    // Types: 0 adam (8 i32, 8 f32), 1 reluGrad (3 i32), 2 transpose (4 i32); none returns anything.
    ...section(1, vec([
      [0x60, ...vec([I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32].map((t) => [t])), 0x00],
      [0x60, ...vec([I32, I32, I32].map((t) => [t])), 0x00],
      [0x60, ...vec([I32, I32, I32, I32].map((t) => [t])), 0x00],
    ])),
    // Memory limits: flags 0 (minimum 0, no maximum) or 3 (shared, with emscripten's maximum of 65536 pages).
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...(shared ? [0x03, 0x00, ...leb(65536)] : [0x00, 0x00])]])),
    ...section(3, vec([[0x00], [0x01], [0x02]])),
    ...section(7, vec([[...name('adam'), 0x00, 0x00], [...name('reluGrad'), 0x00, 0x01], [...name('transpose'), 0x00, 0x02]])),
    ...section(10, vec([[...leb(adam.length), ...adam], [...leb(relu.length), ...relu], [...leb(transpose.length), ...transpose]])),
  ];
  return Uint8Array.from(bytes);
}
