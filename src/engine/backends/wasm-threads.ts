// The threaded SIMD build of tfjs-backend-wasm in Node. tfjs never offers it there: its loader hands
// emscripten blob: URLs for the pthread worker and for the script that worker evaluates, and Node's
// worker_threads start only from files. The build step (esbuild.config.mjs) writes both files into
// dist/wasm: the worker script tfjs carries as a string, and emscripten's glue, whose fixed pool of eight
// pre-started workers (each idle worker is a V8 isolate of its own) and the core count tfjs halves are made
// Module options. Here the glue
// is started with file paths instead of blobs, and the backend is registered under the name `wasm` with
// tfjs's own BackendWasm class, so every kernel, ours included, runs on it unchanged; XNNPACK's thread pool
// then spreads matrix products and convolutions over `threads` threads.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { TF } from '../tf';

export const THREADED_WASM = 'tfjs-backend-wasm-threaded-simd.wasm';
export const THREADED_GLUE = 'tfjs-backend-wasm-threaded-simd.js';
export const THREADED_WORKER = 'tfjs-backend-wasm-threaded-simd.worker.js';

/** What tfjs-backend-wasm's module exports that this loader uses. */
export interface WasmPackage {
  BackendWasm: new (module: unknown) => object;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  tfjs?: Record<string, unknown>;
}
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

/** Why the threaded build cannot run here, or undefined when it can be tried. */
export function threadedUnavailable(dir: string, threads: number): string | undefined {
  if (threads < 2) return 'one thread asked for';
  if (typeof SharedArrayBuffer !== 'function') return 'this Node has no SharedArrayBuffer';
  const g = globalThis as unknown as { WebAssembly?: { Memory: new (d: object) => { buffer: unknown } } };
  try {
    const m = new (g.WebAssembly as { Memory: new (d: object) => { buffer: unknown } }).Memory({ initial: 1, maximum: 1, shared: true });
    if (!(m.buffer instanceof SharedArrayBuffer)) return 'WebAssembly shared memory is not available';
  } catch (e) {
    return `WebAssembly shared memory is not available (${(e as Error).message})`;
  }
  const missing = [THREADED_WASM, THREADED_GLUE, THREADED_WORKER].filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length) return `${missing.join(', ')} not found in ${dir} (npm run build writes them)`;
  return undefined;
}

/**
 * Replaces the `wasm` backend's factory with one that starts the threaded build (call before
 * setBackend('wasm')). The first setBackend then fails, with the emscripten message, where it cannot start;
 * the function returned puts tfjs's own (single-threaded) factory back.
 */
export function registerThreadedWasm(tf: TF, pkg: WasmPackage, dir: string, threads: number): () => void {
  const gluePath = path.join(dir, THREADED_GLUE);
  const original = tf.findBackendFactory('wasm');
  pkg.setThreadsCount(threads);
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      // Loaded at run time from dist/wasm: the pthread workers evaluate this very file.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const factory = require(gluePath) as Factory;
      let aborted: string | undefined;
      const module = await factory({
        locateFile: (file: string) => path.join(dir, file.endsWith('.wasm') ? THREADED_WASM : file),
        mainScriptUrlOrBlob: gluePath,
        // XNNPACK's pool starts threads - 1 pthreads (the calling thread works too), all from this pool: a
        // worker started later would need the main thread's event loop, which pthreadpool_create blocks.
        pthreadPoolSize: threads - 1,
        // tfjs's C++ uses at most half the cores it is told of (hyper-threads in browsers); the count
        // asked for is already the user's choice.
        logicalCores: 2 * threads,
        onAbort: (what: unknown) => (aborted = String(what)),
        print: () => undefined,
        printErr: (s: string) => (aborted ??= s),
      });
      if (aborted) throw new Error(`the threaded wasm build aborted: ${aborted}`);
      module.tfjs = {
        init: module.cwrap('init', null, []),
        initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
        getThreadsCount: module.cwrap('get_threads_count', 'number', []),
        registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
        disposeData: module.cwrap('dispose_data', null, ['number']),
        dispose: module.cwrap('dispose', null, []),
      };
      return new pkg.BackendWasm(module) as never;
    },
    2,
  );
  return () => {
    tf.removeBackend('wasm');
    pkg.setThreadsCount(1);
    if (original) tf.registerBackend('wasm', original, 2);
  };
}
