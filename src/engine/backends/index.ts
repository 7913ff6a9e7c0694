// The backend ladder: cuda, webgpu, native, wasm, cpu. `auto` takes the first that loads and records why
// each earlier one did not, so the user sees "CPU (WASM)" together with the reason it is not the GPU.
// Native packages are resolved only from the extension's own install or the folder the user configured,
// never from a workspace: opening a folder must not be enough to make us load someone's native code.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { BackendName, ConcreteBackend } from '../../format/types';
import type { BackendAttempt, BackendReport } from '../../protocol/trainer';
import type { TF } from '../tf';
// Both only take `tf` as an argument and import nothing of TensorFlow.js at load time.
import { loadWebgpu } from './webgpu';
import { findNativePackage } from './packages';

export { findNativePackage };
import { registerWasmTrainingKernels } from './wasm-kernels/index';

export interface LoadBackendOptions {
  nativeBackendDir?: string;
  /** The folder that holds dist/ (the extension's install, or the repository in tests). */
  extensionRoot: string;
}

export class BackendError extends Error {
  constructor(message: string, readonly attempts: BackendAttempt[]) {
    super(message);
    this.name = 'BackendError';
  }
}

export const AUTO_ORDER: ConcreteBackend[] = ['cuda', 'webgpu', 'native', 'wasm', 'cpu'];

const NATIVE_PACKAGES = { cuda: '@tensorflow/tfjs-node-gpu', native: '@tensorflow/tfjs-node' } as const;

export function backendLabel(name: ConcreteBackend, detail?: string): string {
  switch (name) {
    case 'cuda':
      return 'GPU (CUDA)';
    case 'webgpu':
      return `WebGPU (${detail ?? 'unknown adapter'})`;
    case 'native':
      return 'CPU (native)';
    case 'wasm':
      return 'CPU (WASM)';
    case 'cpu':
      return 'CPU (JS)';
  }
}

/** The TensorFlow.js ladder; the `torch` backend is engine/torch/, and a saved torch run predicts here under `auto`. */
export async function loadBackend(name: Exclude<BackendName, 'torch'>, opts: LoadBackendOptions): Promise<{ tf: TF; report: BackendReport }> {
  const order = name === 'auto' ? AUTO_ORDER : [name];
  const attempts: BackendAttempt[] = [];
  for (const candidate of order) {
    try {
      const { tf, detail } = await loadOne(candidate, opts, name === 'auto');
      attempts.push({ name: candidate, ok: true, reason: detail ?? 'loaded' });
      return { tf, report: { name: candidate, label: backendLabel(candidate, detail), attempts } };
    } catch (err) {
      attempts.push({ name: candidate, ok: false, reason: oneLine(err) });
    }
  }
  const why = attempts.map((a) => `${a.name}: ${a.reason}`).join('; ');
  throw new BackendError(
    name === 'auto' ? `No TensorFlow.js backend could be loaded (${why})` : `The ${name} backend cannot be used: ${attempts[0]?.reason}`,
    attempts,
  );
}

async function loadOne(name: ConcreteBackend, opts: LoadBackendOptions, auto: boolean): Promise<{ tf: TF; detail?: string }> {
  switch (name) {
    case 'cuda':
    case 'native':
      return loadNative(name, opts);
    case 'webgpu': {
      const tf = await bundledTf();
      const { adapterName: adapter, software } = await loadWebgpu(tf, { extensionRoot: opts.extensionRoot });
      // A software rasterizer (llvmpipe, SwiftShader) is a CPU in disguise and slower than wasm here;
      // `auto` passes it over, while asking for webgpu by name still gets it.
      if (auto && software) {
        await tf.setBackend('cpu');
        tf.removeBackend('webgpu');
        throw new Error(`only a software adapter (${adapter}) is available, which is slower than the CPU backends`);
      }
      return { tf, detail: adapter };
    }
    case 'wasm': {
      const tf = await bundledTf();
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dir = wasmBinaryDir(opts.extensionRoot);
      if (!dir) throw new Error(`the wasm binaries were not found in ${path.join(opts.extensionRoot, 'dist', 'wasm')}`);
      // Node cannot start the blob: workers the threaded build needs; the SIMD build is the fast one here.
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      wasm.setWasmPaths(dir + path.sep);
      await setBackendOrThrow(tf, 'wasm');
      registerWasmTrainingKernels(tf);
      return { tf, detail: tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD' };
    }
    case 'cpu': {
      const tf = await bundledTf();
      await setBackendOrThrow(tf, 'cpu');
      return { tf };
    }
  }
}

let bundled: TF | undefined;

/** The bundled tfjs-core + tfjs-layers (+ the pure-JS cpu backend), loaded on first use only. */
async function bundledTf(): Promise<TF> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  bundled ??= (require('./bundled') as typeof import('./bundled')).tf;
  return bundled;
}

async function setBackendOrThrow(tf: TF, name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`TensorFlow.js could not initialize the ${name} backend`);
  await tf.ready();
}

function wasmBinaryDir(extensionRoot: string): string | undefined {
  const candidates = [
    path.join(extensionRoot, 'dist', 'wasm'),
    // Running from sources (tests with tsx): the binaries as npm installed them.
    path.join(extensionRoot, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
  ];
  return candidates.find((d) => existsSync(path.join(d, 'tfjs-backend-wasm-simd.wasm')));
}

/** Folders searched for native packages: the user's setting first, then the extension's install. */
export function nativeSearchDirs(opts: LoadBackendOptions): string[] {
  const dirs: string[] = [];
  if (opts.nativeBackendDir) dirs.push(path.resolve(opts.nativeBackendDir));
  dirs.push(path.resolve(opts.extensionRoot));
  return dirs;
}

async function loadNative(name: 'cuda' | 'native', opts: LoadBackendOptions): Promise<{ tf: TF; detail?: string }> {
  const pkg = NATIVE_PACKAGES[name];
  const dirs = nativeSearchDirs(opts);
  const found = findNativePackage(pkg, dirs);
  if (!found) throw new Error(`not installed: ${pkg} was not found in ${dirs.join(', ')}`);
  // createRequire against the package's own folder resolves its dependencies (its own tfjs copy) there.
  const req = createRequire(path.join(found, 'noop.js'));
  let tf: TF;
  try {
    tf = req(found) as TF;
  } catch (err) {
    throw new Error(`${pkg} is installed in ${found} but failed to load: ${oneLine(err)}`);
  }
  // tfjs-node registers the "tensorflow" backend and re-exports @tensorflow/tfjs (core + layers).
  await setBackendOrThrow(tf, 'tensorflow');
  return { tf, detail: found };
}

function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].trim();
}
