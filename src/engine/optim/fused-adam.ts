// Adam in one pass per variable on the wasm backend. tf.train.adam runs about 14 element-wise kernels per
// variable per step (each a call into wasm plus tensor bookkeeping); here the new value, first and second
// moments are computed in one pass over the wasm heap (SIMD where it runs: ../wasm-simd.ts). Same
// hyperparameters, defaults, class name, config and getWeights()/setWeights() names and order as tfjs's
// AdamOptimizer, so checkpoints and saved optimizers stay compatible. On any other backend (or non-float32
// data) it runs the stock Adam math.
import type { AdamOptimizer, NamedTensorMap, Tensor, TensorInfo, Variable } from '@tensorflow/tfjs-core';
import type { TF } from '../tf';
import { simdKernels, type WasmMemory } from '../wasm-simd';

type Grads = Parameters<AdamOptimizer['applyGradients']>[0];
type NamedTensor = { name: string; tensor: Tensor };

/** The wasm backend's own heap views (public methods of its class, not of the KernelBackend interface). */
interface WasmHeap {
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  refCount(dataId: object): number;
  getMemoryOffset(dataId: object): number;
  /** The single-threaded build exports its memory; the threaded one imports a shared memory (wasmMemory). */
  wasm: { asm?: { memory?: WasmMemory }; wasmMemory?: WasmMemory };
}

/** AdamOptimizer's state (TypeScript-private there, plain properties at run time). */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: Variable;
  accBeta2: Variable;
  accumulatedFirstMoment: { originalName: string; variable: Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: Variable }[];
  incrementIterations(): void;
}

function wasmHeap(backend: unknown): WasmHeap | undefined {
  const b = backend as Partial<WasmHeap> | undefined;
  const ok = b && [b.typedArrayFromHeap, b.makeOutput, b.refCount, b.getMemoryOffset].every((f) => typeof f === 'function') && b.wasm;
  return ok ? (b as WasmHeap) : undefined;
}

const classes = new WeakMap<object, new (lr: number, beta1?: number, beta2?: number, epsilon?: number | null) => AdamOptimizer>();

/** The FusedAdam class built on `tf`'s own AdamOptimizer (a native backend carries its own tfjs-core copy). */
export function fusedAdamClass(tf: TF) {
  const known = classes.get(tf.AdamOptimizer);
  if (known) return known;

  class FusedAdam extends tf.AdamOptimizer {
    constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null) {
      super(learningRate, beta1, beta2, epsilon as number);
    }

    /** Set when the fused path last ran: the accBeta variables lag behind and are recomputed before stock Adam runs. */
    private accStale = false;

    override applyGradients(variableGradients: Grads): void {
      const heap = wasmHeap(tf.engine().backend);
      const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
      const grads = names.map((name, i) =>
        Array.isArray(variableGradients) ? variableGradients[i].tensor : (variableGradients as NamedTensorMap)[name],
      );
      const values = names.map((name) => tf.engine().registeredVariables[name]);
      const fusable = heap !== undefined && values.every((v, i) => v.dtype === 'float32' && (grads[i] == null || grads[i].dtype === 'float32'));
      const s = this as unknown as AdamState;
      if (!fusable) {
        if (this.accStale) {
          tf.tidy(() => {
            s.accBeta1.assign(tf.scalar(Math.pow(s.beta1, this.iterations + 1)));
            s.accBeta2.assign(tf.scalar(Math.pow(s.beta2, this.iterations + 1)));
          });
          this.accStale = false;
        }
        super.applyGradients(variableGradients);
        return;
      }
      const t = this.iterations + 1; // (iterations_ stays undefined until first read)
      const { beta1, beta2, epsilon, learningRate: lr } = s;
      const c1 = 1 / (1 - Math.pow(beta1, t));
      const c2 = 1 / (1 - Math.pow(beta2, t));
      const engine = tf.engine();
      const memory = heap.wasm.wasmMemory ?? heap.wasm.asm?.memory;
      const simd = memory ? simdKernels(memory)?.adam : undefined;
      for (let i = 0; i < names.length; i++) {
        const value = values[i];
        if (!s.accumulatedFirstMoment[i]) {
          s.accumulatedFirstMoment[i] = { originalName: `${names[i]}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        }
        if (!s.accumulatedSecondMoment[i]) {
          s.accumulatedSecondMoment[i] = { originalName: `${names[i]}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        }
        const g = grads[i];
        if (g == null) continue;
        const mVar = s.accumulatedFirstMoment[i].variable;
        const vVar = s.accumulatedSecondMoment[i].variable;
        // The moments (the optimizer's own) are updated in place when no other tensor holds their buffer. The
        // variable always gets a fresh buffer: wasm's matrix product caches XNNPACK operators by tensor id with
        // the weights packed inside, so new values under an old id would be multiplied as the old ones.
        // Outputs are all allocated before any heap view is taken: growing the heap detaches earlier views.
        const fresh = (target: Variable, inPlace: boolean) =>
          inPlace && heap.refCount(target.dataId) === 1 ? undefined : (engine.makeTensorFromTensorInfo(heap.makeOutput(target.shape, 'float32')) as Tensor);
        const outX = fresh(value, false);
        const outM = fresh(mVar, true);
        const outV = fresh(vVar, true);
        const b1 = beta1;
        const b2 = beta2;
        const a1 = 1 - beta1;
        const a2 = 1 - beta2;
        const n = value.size;
        // Four lanes at a time where WebAssembly SIMD runs; the JavaScript loop does the rest (or all).
        const n4 = simd ? n - (n % 4) : 0;
        if (simd && n4) {
          const at = (t: TensorInfo) => heap.getMemoryOffset(t.dataId);
          simd(at(value), at(mVar), at(vVar), at(g), at(outX ?? value), at(outM ?? mVar), at(outV ?? vVar), n4, b1, a1, b2, a2, lr, c1, c2, epsilon);
        }
        const x = heap.typedArrayFromHeap(value);
        const m = heap.typedArrayFromHeap(mVar);
        const v = heap.typedArrayFromHeap(vVar);
        const gv = heap.typedArrayFromHeap(g);
        const nx = outX ? heap.typedArrayFromHeap(outX) : x;
        const nm = outM ? heap.typedArrayFromHeap(outM) : m;
        const nv = outV ? heap.typedArrayFromHeap(outV) : v;
        for (let k = n4; k < n; k++) {
          const gk = gv[k];
          const mk = b1 * m[k] + a1 * gk;
          const vk = b2 * v[k] + a2 * gk * gk;
          nm[k] = mk;
          nv[k] = vk;
          nx[k] = x[k] - (lr * (mk * c1)) / (Math.sqrt(vk * c2) + epsilon);
        }
        for (const [target, out] of [[value, outX], [mVar, outM], [vVar, outV]] as const) {
          if (!out) continue;
          target.assign(out);
          out.dispose();
        }
      }
      this.accStale = true;
      s.incrementIterations();
    }

    override async setWeights(weightValues: NamedTensor[]): Promise<void> {
      await super.setWeights(weightValues);
      this.accStale = false;
    }
  }
  classes.set(tf.AdamOptimizer, FusedAdam);
  return FusedAdam;
}

/** Adam with tf.train.adam's defaults (beta1 0.9, beta2 0.999, epsilon the backend's), fused on wasm. */
export function fusedAdam(tf: TF, learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null): AdamOptimizer {
  return new (fusedAdamClass(tf))(learningRate, beta1, beta2, epsilon);
}
