// The Adam update as a 128-bit SIMD loop, in a tiny WebAssembly module that shares the wasm backend's memory
// (four float32 lanes per instruction, where a JavaScript loop does one). The module is assembled here from
// its bytes: the project has no WebAssembly toolchain, and the function is twenty instructions. The values
// the loop computes, in float32, per element:
//   m' = b1 m + a1 g;  v' = b2 v + a2 g g;  x' = x - lr (m' c1) / (sqrt(v' c2) + eps)
// (a1 = 1 - b1, a2 = 1 - b2, c1 and c2 the bias corrections), as tf.train.adam's kernels do.

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

const cache = new WeakMap<WasmMemory, AdamSimd | null>();

/**
 * The SIMD Adam on `memory`, or undefined where this engine lacks WebAssembly SIMD. A shared memory (the
 * threaded wasm build's) needs a module that imports it as shared.
 */
export function adamSimd(memory: WasmMemory): AdamSimd | undefined {
  let fn = cache.get(memory);
  if (fn === undefined) {
    try {
      const shared = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
      const instance = new WASM.Instance(new WASM.Module(adamModuleBytes(shared)), { env: { memory } });
      fn = instance.exports.adam as AdamSimd;
    } catch {
      fn = null;
    }
    cache.set(memory, fn);
  }
  return fn ?? undefined;
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
  load: [0xfd, 0x00, 0x02, 0x00], // v128.load align=4 offset=0
  store: [0xfd, 0x0b, 0x02, 0x00],
  splat: [0xfd, 0x13], // f32x4.splat
  sqrt: [0xfd, 0xe3, 0x01],
  add: [0xfd, 0xe4, 0x01],
  sub: [0xfd, 0xe5, 0x01],
  mul: [0xfd, 0xe6, 0x01],
  div: [0xfd, 0xe7, 0x01],
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

function adamModuleBytes(shared: boolean): Uint8Array {
  // Parameters 0..7: x m v g nx nm nv (byte offsets) n (count); 8..15: b1 a1 b2 a2 lr c1 c2 eps.
  const [x, m, v, g, nx, nm, nv, n] = [0, 1, 2, 3, 4, 5, 6, 7];
  // Locals: 16 k (byte position), 17..24 the scalars splatted, 25 G, 26 M, 27 V.
  const k = 16;
  const S = (i: number) => 17 + i; // splat of parameter 8 + i
  const [G, M, V] = [25, 26, 27];
  const at = (base: number) => [...op.get(base), ...op.get(k), ...op.i32Add];
  const body = [
    ...op.get(n), ...op.i32Const(2), ...op.i32Shl, ...op.set(n),
    ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((i) => [...op.get(8 + i), ...op.splat, ...op.set(S(i))]),
    ...op.block,
    ...op.loop,
    ...op.get(k), ...op.get(n), ...op.i32GeU, ...op.brIf(1),
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
    ...op.get(k), ...op.i32Const(16), ...op.i32Add, ...op.set(k),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  const locals = vec([[1, I32], [11, V128]]);
  const code = [...locals, ...body];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32].map((t) => [t])), 0x00]])),
    // Memory limits: flags 0 (minimum 0, no maximum) or 3 (shared, with emscripten's maximum of 65536 pages).
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...(shared ? [0x03, 0x00, ...leb(65536)] : [0x00, 0x00])]])),
    ...section(3, vec([[0x00]])),
    ...section(7, vec([[...name('adam'), 0x00, 0x00]])),
    ...section(10, vec([[...leb(code.length), ...code]])),
  ];
  return Uint8Array.from(bytes);
}
