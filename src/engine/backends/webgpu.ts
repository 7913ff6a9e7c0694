// WebGPU for Node through Dawn (the `webgpu` npm package), feeding @tensorflow/tfjs-backend-webgpu.
//
// Order matters: the tfjs backend looks for `navigator.gpu` when it is imported, so Dawn is created and
// `navigator.gpu` set first. We then register the backend ourselves with a device we created, because the
// package's own factory asks only for a high-performance adapter, while machines without a GPU driver can
// still run through Dawn's OpenGL ES backend in compatibility mode (Mesa llvmpipe).
//
// A WebGPU device reports trouble asynchronously (validation errors, out-of-memory, device lost) and the
// computation then quietly produces garbage or nulls. Every such report is recorded, and the next read of
// tensor data throws it, so a run can never finish "successfully" on top of a broken device.
import { mkdirSync, mkdtempSync, statSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TF } from '../tf';
import { findPackageRoot } from '../locate';
import { findNativePackage, packageEntry } from './packages';

/** What `loadWebgpu` tells the caller: the adapter for the user, and how it was reached. */
export interface WebgpuLoadResult {
  /** e.g. "NVIDIA GeForce RTX 3060" or "llvmpipe (LLVM 15.0.6, 256 bits)". */
  adapterName: string;
  /** Vendor, architecture, Dawn backend and feature level, for logs and run.json. */
  detail: string;
  /** True when only a software rasterizer was found (llvmpipe, SwiftShader, lavapipe): slower than wasm. */
  software: boolean;
  /** Throws the first device error seen so far (also thrown automatically by the next tensor read). */
  assertHealthy(): void;
}

export interface WebgpuOptions {
  /**
   * Which adapter to take: 'auto' (default; a real GPU first, then compatibility mode), 'high-performance',
   * 'low-power', 'compatibility' (OpenGL ES through Dawn), or any other text, taken as a case-insensitive part
   * of the adapter's name that must match.
   */
  adapter?: string;
  /** The extension's install: `webgpu` is loaded from its node_modules only (default: this package's root). */
  extensionRoot?: string;
}

// ---- the few WebGPU shapes we touch (no DOM lib in this project, and @webgpu/types is global-only) ------

interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}
interface GpuErrorLike {
  message?: string;
  constructor?: { name?: string };
}
interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
  onuncapturederror: ((ev: { error?: GpuErrorLike }) => void) | null;
  destroy(): void;
  features: { has(f: string): boolean };
}
interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  features: { has(f: string): boolean };
  limits: Record<string, number>;
  requestDevice(desc?: Record<string, unknown>): Promise<GpuDeviceLike>;
}
interface GpuLike {
  requestAdapter(opts?: Record<string, unknown>): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}
interface WebgpuBackendModule {
  WebGPUBackend: new (device: GpuDeviceLike, adapterInfo?: GpuAdapterInfoLike) => object;
}

/** A real dynamic import even inside a CommonJS bundle: `webgpu` is an ES module and cannot be `require`d. */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

/** Dawn's GL path (and Mesa's EGL) want a private runtime folder; use (or make) one when the session has none. */
function ensureRuntimeDir(): void {
  const cur = process.env.XDG_RUNTIME_DIR;
  if (cur) {
    try {
      if (statSync(cur).isDirectory()) return;
    } catch {
      /* missing: use our own below */
    }
  }
  // One folder per user, reused by every run; someone else's folder of that name is never taken.
  const uid = process.getuid?.() ?? -1;
  const mine = join(tmpdir(), `dlmodel-xdg-${uid}`);
  try {
    mkdirSync(mine, { recursive: true, mode: 0o700 });
    const st = statSync(mine);
    if (st.isDirectory() && (uid < 0 || st.uid === uid)) {
      chmodSync(mine, 0o700);
      process.env.XDG_RUNTIME_DIR = mine;
      return;
    }
  } catch {
    /* fall through to a fresh private folder */
  }
  process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'dlmodel-xdg-'));
}

async function loadDawn(extensionRoot: string | undefined): Promise<DawnModule> {
  const root = extensionRoot ?? findPackageRoot(__dirname);
  const found = root ? findNativePackage('webgpu', [root]) : undefined;
  if (!found) throw new Error(`the 'webgpu' package (Dawn for Node) is not installed in ${root ?? "the extension's folder"}`);
  const entry = packageEntry(found);
  try {
    const mod = (await importEsm(pathToFileURL(entry).href)) as Partial<DawnModule>;
    if (typeof mod.create !== 'function' || !mod.globals) throw new Error('it has no create()/globals exports');
    return mod as DawnModule;
  } catch (e) {
    throw new Error(`Dawn (the 'webgpu' package) could not be loaded: ${(e as Error).message}`);
  }
}

function describeAdapter(info: GpuAdapterInfoLike | undefined): { name: string; parts: string[] } {
  const vendor = info?.vendor ?? '';
  const arch = info?.architecture ?? '';
  const device = info?.device ?? '';
  const description = info?.description ?? '';
  // Dawn's GL backend puts the GL version in the description and the renderer (e.g. llvmpipe) in device.
  const name =
    (/^OpenGL/i.test(description) && device ? `${device} (${description})` : description) ||
    [vendor, device].filter(Boolean).join(' ') ||
    'unnamed adapter';
  const parts = [vendor && `vendor ${vendor}`, arch && `architecture ${arch}`, device && `device ${device}`].filter(
    (p): p is string => !!p,
  );
  return { name, parts };
}

const SOFTWARE_ADAPTERS = /llvmpipe|lavapipe|swiftshader|softpipe|software/i;

interface Picked {
  adapter: GpuAdapterLike;
  how: string;
}

async function pickAdapter(dawn: DawnModule, want: string): Promise<Picked> {
  const tried: string[] = [];
  const modes = ['high-performance', 'low-power', 'compatibility', 'auto'];
  const nameFilter = modes.includes(want) ? undefined : want.toLowerCase();
  const matches = (a: GpuAdapterLike) =>
    !nameFilter || describeAdapter(a.info).name.toLowerCase().includes(nameFilter);

  if (want !== 'compatibility') {
    const pref = want === 'low-power' ? 'low-power' : 'high-performance';
    const gpu = dawn.create([]);
    navigatorGpu(gpu);
    const a = await gpu.requestAdapter({ powerPreference: pref });
    if (a && matches(a)) return { adapter: a, how: `Dawn default backends, ${pref}` };
    tried.push(a ? `${pref}: found "${describeAdapter(a.info).name}", not "${want}"` : `${pref}: no adapter`);
    if (want === 'high-performance' || want === 'low-power') {
      throw new Error(`no WebGPU adapter (${tried.join('; ')})`);
    }
  }
  // Compatibility mode through OpenGL ES: works on Mesa (llvmpipe included) with no display server.
  if (!process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
  const gpu = dawn.create(['backend=opengles']);
  navigatorGpu(gpu);
  const a = await gpu.requestAdapter({ featureLevel: 'compatibility' });
  if (a && matches(a)) return { adapter: a, how: 'Dawn OpenGL ES backend, compatibility mode' };
  tried.push(
    a
      ? `OpenGL ES compatibility: found "${describeAdapter(a.info).name}", not "${want}"`
      : 'OpenGL ES compatibility: no adapter (is Mesa EGL installed? Debian: libegl1 libegl-mesa0 libgl1-mesa-dri)',
  );
  throw new Error(`no WebGPU adapter (${tried.join('; ')})`);
}

function navigatorGpu(gpu: GpuLike): void {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator && typeof g.navigator === 'object') {
    try {
      Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
      return;
    } catch {
      /* a frozen navigator: replace it below */
    }
  }
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
}

/**
 * A known answer through real GPU kernels, read back: a device that cannot compute must not be used.
 * (64 x 64: small ops on values still on the CPU would run on the CPU.)
 */
async function probeDevice(tf: TF, name: string): Promise<void> {
  const n = 64;
  const values = new Float32Array(n * n).map((_, i) => ((i * 7) % 13) - 6);
  const product = tf.tidy(() => tf.matMul(tf.tensor2d(values, [n, n]), tf.mul(tf.eye(n), 2)));
  let got: Float32Array;
  try {
    got = (await product.data()) as Float32Array;
  } finally {
    product.dispose();
  }
  const bad = got.findIndex((v, i) => Math.abs(v - 2 * values[i]) > 1e-4);
  if (bad >= 0) {
    throw new Error(`WebGPU on "${name}" computed a wrong test product (element ${bad}: ${got[bad]}, expected ${2 * values[bad]}); not using it`);
  }
}

let loaded: WebgpuLoadResult | undefined;

/**
 * Makes `webgpu` the active tfjs backend of `tf`, or throws an Error that says why it cannot.
 * Call once per process; a second call returns the first result.
 */
export async function loadWebgpu(tf: TF, opts: WebgpuOptions = {}): Promise<WebgpuLoadResult> {
  if (loaded && tf.getBackend() === 'webgpu') return loaded;
  ensureRuntimeDir();
  const dawn = await loadDawn(opts.extensionRoot);
  // tfjs-backend-webgpu uses the WebGPU constants (GPUBufferUsage, GPUMapMode, ...) as globals.
  for (const [k, v] of Object.entries(dawn.globals)) {
    if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  }
  const { adapter, how } = await pickAdapter(dawn, opts.adapter ?? 'auto');

  const limits = adapter.limits;
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });

  let failure: Error | undefined;
  const fail = (msg: string) => {
    if (!failure) failure = new Error(`WebGPU device error: ${msg}`);
  };
  device.onuncapturederror = (ev) => {
    const err = ev.error;
    const kind = err?.constructor?.name ?? 'GPUError';
    fail(`${kind}: ${(err?.message ?? String(err)).trim()}`);
  };
  let destroying = false;
  void device.lost.then((info) => {
    if (!destroying) fail(`device lost (${info.reason ?? 'unknown'}): ${info.message ?? ''}`.trim());
  });
  const assertHealthy = () => {
    if (failure) throw failure;
  };

  let backendModule: WebgpuBackendModule;
  try {
    backendModule = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as WebgpuBackendModule;
  } catch (e) {
    throw new Error(`@tensorflow/tfjs-backend-webgpu could not be loaded: ${(e as Error).message}`);
  }
  const { name, parts } = describeAdapter(adapter.info);
  if (parts.length === 0 && name === 'unnamed adapter') parts.push('no adapter info');
  // The package registered its own factory when imported; ours uses the adapter chosen above.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    () => {
      const backend = new backendModule.WebGPUBackend(device, adapter.info) as {
        read(dataId: object): Promise<unknown>;
        readSync(dataId: object): unknown;
        dispose(): void;
      };
      const read = backend.read.bind(backend);
      const readSync = backend.readSync.bind(backend);
      const dispose = backend.dispose.bind(backend);
      backend.read = async (dataId) => {
        assertHealthy();
        const v = await read(dataId);
        assertHealthy();
        return v;
      };
      backend.readSync = (dataId) => {
        assertHealthy();
        let v: unknown;
        try {
          v = readSync(dataId);
        } catch (e) {
          // The package reads synchronously through an OffscreenCanvas, which only browsers have.
          if (e instanceof ReferenceError && /OffscreenCanvas/.test(e.message)) {
            throw new Error('WebGPU in Node cannot read tensor data synchronously (dataSync/arraySync); use await data()');
          }
          throw e;
        }
        assertHealthy();
        return v;
      };
      backend.dispose = () => {
        destroying = true;
        dispose();
      };
      return backend as never;
    },
    3,
  );
  try {
    const ok = await tf.setBackend('webgpu');
    if (!ok) throw new Error(`the tfjs WebGPU backend did not start on "${name}"`);
    await tf.ready();
    await probeDevice(tf, name);
    assertHealthy();
  } catch (e) {
    // Leave nothing half-working behind for the next backend of the ladder.
    if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
    else device.destroy();
    throw e;
  }

  const software = SOFTWARE_ADAPTERS.test(name);
  loaded = {
    adapterName: name,
    detail: [`${how}`, ...parts, software ? 'software rasterizer (slower than wasm)' : ''].filter(Boolean).join(', '),
    software,
    assertHealthy,
  };
  return loaded;
}
