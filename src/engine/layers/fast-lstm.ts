// An LSTM layer's forward and backward pass as one operation, for the wasm and cpu backends.
// tfjs-layers runs an LSTM as ~25 small ops per time step, and the tape doubles that for the gradient:
// a 20-step layer is some 3,000 kernel calls per batch, and on wasm the call overhead, not the arithmetic,
// is the cost. Here each time step is one matrix product (h x U) on the backend plus the gate arithmetic
// in a loop over the values; the input products (x x W), the weight gradients and the input gradient are
// one matrix product each over all steps. The layer object, its weights and its saved form stay tfjs's
// own LSTM (tf.loadLayersModel reads it anywhere), only its `call` is replaced, and only where the options
// are the plain ones this implements; anything else runs the stock code.
import type { Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { TF } from '../tf';

interface LstmCellLike {
  units: number;
  activation: { getClassName(): string };
  recurrentActivation: { getClassName(): string };
  useBias: boolean;
  dropout: number;
  recurrentDropout: number;
  kernel: { read(): Tensor };
  recurrentKernel: { read(): Tensor };
  bias?: { read(): Tensor } | null;
}

interface LstmLayerLike {
  cell: LstmCellLike;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  stateful: boolean;
  call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[];
}

/** Why this layer cannot take the fast path, or undefined when it can. */
export function fastLstmRefusal(layer: LstmLayerLike): string | undefined {
  const c = layer.cell;
  if (c.activation.getClassName() !== 'tanh') return 'activation is not tanh';
  if (c.recurrentActivation.getClassName() !== 'sigmoid') return 'recurrentActivation is not sigmoid';
  if (c.dropout > 0 || c.recurrentDropout > 0) return 'dropout inside the layer';
  if (layer.returnState || layer.stateful) return 'returnState or stateful';
  return undefined;
}


/**
 * A tensor's values without a copy where the backend allows (wasm: a view of its heap, valid until the next
 * op may grow the heap, so read it at once); a copy elsewhere. dataSync on wasm copies into a new buffer
 * each time, which per time step costs more than the step's arithmetic.
 */
function values(tf: TF, t: Tensor): Float32Array {
  const b = tf.engine().backend as unknown as { typedArrayFromHeap?(t: Tensor): Float32Array };
  return typeof b.typedArrayFromHeap === 'function' && tf.getBackend() === 'wasm' ? b.typedArrayFromHeap(t) : (t.dataSync() as Float32Array);
}

/**
 * The two per-time-step operations, over plain arrays: a matrix product by a weight tensor and the logistic
 * sigmoid. They run 2 x T + T times per batch (forward, backward), so their call cost matters more than their
 * arithmetic: on wasm they call the backend's kernels on its heap directly (no tensor objects, no engine
 * bookkeeping, input buffers allocated once per batch); elsewhere through tfjs ops.
 */
interface StepKernels {
  /** out[rows, cols] = a[rows, inner] x w (a tensor [inner, cols]). */
  matMul(a: Float32Array, rows: number, inner: number, w: Tensor, out: Float32Array): void;
  sigmoid(a: Float32Array, out: Float32Array): void;
  /** Frees the buffers held between calls. */
  dispose(): void;
}

/** The wasm backend's own methods used here (public on its class, absent from KernelBackend). */
interface WasmHeap {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

function stepKernels(tf: TF): StepKernels {
  const be = tf.engine().backend as unknown as Partial<WasmHeap>;
  const matMulK = tf.getKernel('_FusedMatMul', 'wasm')?.kernelFunc;
  const sigmoidK = tf.getKernel('Sigmoid', 'wasm')?.kernelFunc;
  if (tf.getBackend() === 'wasm' && matMulK && sigmoidK && typeof be.makeOutput === 'function' && typeof be.typedArrayFromHeap === 'function' && typeof be.disposeData === 'function') {
    const heap = be as WasmHeap;
    // Input buffers by size, reused every step; a view is taken right before each use (an allocation may grow
    // the heap, which detaches views taken before).
    const inputs = new Map<number, TensorInfo>();
    const input = (a: Float32Array, shape: number[]) => {
      let t = inputs.get(a.length);
      if (!t) {
        t = heap.makeOutput([a.length], 'float32');
        inputs.set(a.length, t);
      }
      heap.typedArrayFromHeap(t).set(a);
      return { dataId: t.dataId, shape, dtype: 'float32' as const };
    };
    const readOut = (r: TensorInfo, out: Float32Array) => {
      out.set(heap.typedArrayFromHeap(r));
      heap.disposeData(r.dataId, true);
    };
    return {
      matMul(a, rows, inner, w, out) {
        const cols = w.shape[1] as number;
        const r = matMulK({
          inputs: { a: input(a, [1, rows, inner]), b: { dataId: w.dataId, shape: [1, inner, cols], dtype: 'float32' } },
          backend: heap as never,
          attrs: { transposeA: false, transposeB: false, activation: 'linear', leakyreluAlpha: 0 },
        }) as TensorInfo;
        readOut(r, out);
      },
      sigmoid(a, out) {
        readOut(sigmoidK({ inputs: { x: input(a, [a.length]) }, backend: heap as never, attrs: {} }) as TensorInfo, out);
      },
      dispose() {
        for (const t of inputs.values()) heap.disposeData(t.dataId, true);
        inputs.clear();
      },
    };
  }
  return {
    matMul(a, rows, inner, w, out) {
      const at = tf.tensor2d(a, [rows, inner]);
      const p = tf.matMul(at, w);
      out.set(values(tf, p));
      tf.dispose([at, p]);
    },
    sigmoid(a, out) {
      const at = tf.tensor1d(a);
      const p = tf.sigmoid(at);
      out.set(values(tf, p));
      tf.dispose([at, p]);
    },
    dispose() {},
  };
}

// The loops over the values, at module level rather than inside the op's closures: those closures are made anew
// for every batch, each with fresh type feedback, so V8 ran their loops (a million values per batch) in its
// unoptimized tiers; functions defined once stay optimized from batch to batch.
// Layouts: xw and dz rows b * T + t (input position), g4 = 4U values each (gates i, f, c, o); per processing
// step k: gates [B, 4U] after activation, cells and hs [B, U] (index k + 1 after the step, k before it).

/** Pre-activations of step t: xw + h U; the cell candidate's doubled, since tanh(z) = 2 sigmoid(2z) - 1 (one sigmoid for all gates). */
function preActivations(xw: Float32Array, hu: Float32Array, zs: Float32Array, B: number, T: number, t: number, u: number): void {
  const g4 = 4 * u;
  for (let b = 0; b < B; b++) {
    const zRow = (b * T + t) * g4;
    const r = b * g4;
    for (let j = 0; j < 2 * u; j++) zs[r + j] = xw[zRow + j] + hu[r + j];
    for (let j = 2 * u; j < 3 * u; j++) zs[r + j] = 2 * (xw[zRow + j] + hu[r + j]);
    for (let j = 3 * u; j < g4; j++) zs[r + j] = xw[zRow + j] + hu[r + j];
  }
}

/** The candidate to tanh, then c = f c_prev + i g; `cs` gets 2c (for tanh(c) through the sigmoid). */
function cellStep(gates: Float32Array, cells: Float32Array, cs: Float32Array, k: number, B: number, u: number): void {
  const g4 = 4 * u;
  const gk = k * B * g4;
  for (let b = 0; b < B; b++) {
    const gRow = gk + b * g4;
    const cPrev = k * B * u + b * u;
    const cNext = (k + 1) * B * u + b * u;
    for (let j = 0; j < u; j++) {
      const g = 2 * gates[gRow + 2 * u + j] - 1;
      gates[gRow + 2 * u + j] = g;
      const c = gates[gRow + u + j] * cells[cPrev + j] + gates[gRow + j] * g;
      cells[cNext + j] = c;
      cs[b * u + j] = 2 * c;
    }
  }
}

/** tk: sigmoid(2c) in, tanh(c) out; h = o tanh(c). */
function hiddenStep(gates: Float32Array, tk: Float32Array, hs: Float32Array, k: number, B: number, u: number): void {
  const g4 = 4 * u;
  const gk = k * B * g4;
  for (let b = 0; b < B; b++) {
    const gRow = gk + b * g4;
    const hRow = (k + 1) * B * u + b * u;
    for (let j = 0; j < u; j++) {
      const tc = 2 * tk[b * u + j] - 1;
      tk[b * u + j] = tc;
      hs[hRow + j] = gates[gRow + 3 * u + j] * tc;
    }
  }
}

/** Every step's h as [B, T, U] (returnSequences), in processing order. */
function sequencesOut(hs: Float32Array, out: Float32Array, B: number, T: number, u: number): void {
  for (let k = 0; k < T; k++) {
    for (let b = 0; b < B; b++) {
      const from = (k + 1) * B * u + b * u;
      const to = (b * T + k) * u;
      for (let j = 0; j < u; j++) out[to + j] = hs[from + j];
    }
  }
}

/**
 * One step of the backward pass: dz of processing step k (input position t) from dh (the next step's, plus the
 * output's: dyMode 1 every step's dy [B, T, U], 0 the last step's dy [B, U], -1 none) and dc; h before the step
 * into hPrevT [U, B * T] (column b * T + t).
 */
function backwardStep(
  gates: Float32Array, cells: Float32Array, tanhC: Float32Array, hs: Float32Array, dy: Float32Array, dyMode: number,
  dhNext: Float32Array, dcNext: Float32Array, dz: Float32Array, hPrevT: Float32Array,
  k: number, t: number, B: number, T: number, u: number,
): void {
  const g4 = 4 * u;
  const BT = B * T;
  const gk = k * B * g4;
  for (let b = 0; b < B; b++) {
    const zRow = (b * T + t) * g4;
    const gRow = gk + b * g4;
    const sRow = k * B * u + b * u;
    const col = b * T + t;
    for (let j = 0; j < u; j++) hPrevT[j * BT + col] = hs[sRow + j];
    const dyRow = dyMode > 0 ? (b * T + k) * u : dyMode === 0 ? b * u : -1;
    for (let j = 0; j < u; j++) {
      let dh = dhNext[b * u + j];
      if (dyRow >= 0) dh += dy[dyRow + j];
      const i = gates[gRow + j];
      const f = gates[gRow + u + j];
      const g = gates[gRow + 2 * u + j];
      const o = gates[gRow + 3 * u + j];
      const tc = tanhC[sRow + j];
      const dc = dcNext[b * u + j] + dh * o * (1 - tc * tc);
      dz[zRow + j] = dc * g * i * (1 - i);
      dz[zRow + u + j] = dc * cells[sRow + j] * f * (1 - f);
      dz[zRow + 2 * u + j] = dc * i * (1 - g * g);
      dz[zRow + 3 * u + j] = dh * tc * o * (1 - o);
      dcNext[b * u + j] = dc * f;
    }
  }
}

/** The rows of dz at input position t, [B, 4U]. */
function stepRows(dz: Float32Array, out: Float32Array, B: number, T: number, t: number, g4: number): void {
  for (let b = 0; b < B; b++) {
    const from = (b * T + t) * g4;
    const to = b * g4;
    for (let j = 0; j < g4; j++) out[to + j] = dz[from + j];
  }
}

/** out[j] += m[r, j] over the rows (the bias's gradient: the backend's sum over axis 0 transposes m first). */
function columnSums(m: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) out[j] += m[o + j];
  }
}

/**
 * The LSTM as one differentiable op: x [B, T, I], kernel [I, 4U], recurrent kernel [U, 4U], bias [4U]
 * (gate order i, f, c, o as Keras). Returns [B, T, U] (every step, in processing order) or [B, U].
 */
export function lstmOp(tf: TF, opts: { units: number; returnSequences: boolean; goBackwards: boolean }) {
  const { units: u, returnSequences, goBackwards } = opts;
  const g4 = 4 * u;
  return tf.customGrad(((x: Tensor, kernel: Tensor, recurrent: Tensor, bias: Tensor, save: (ts: Tensor[]) => void) => {
    // The tape keeps only what is saved: the inputs the gradient needs must outlive the caller's tidy.
    save([x, kernel, recurrent]);
    const [B, T, I] = x.shape as [number, number, number];
    // Input products for every step at once: rows b * T + t.
    const xw = tf.tidy(() => tf.add(tf.matMul(tf.reshape(x, [B * T, I]), kernel), bias));
    const xwData = values(tf, xw).slice();
    xw.dispose();
    const hu = new Float32Array(B * g4);
    const zs = new Float32Array(B * g4);
    const cs = new Float32Array(B * u);
    // Per processing step k: gates after activation [B, 4U], the cell state and its tanh [B, U], h before the step.
    const gates = new Float32Array(T * B * g4);
    const cells = new Float32Array((T + 1) * B * u);
    const tanhC = new Float32Array(T * B * u);
    const hs = new Float32Array((T + 1) * B * u);
    const pos = (k: number) => (goBackwards ? T - 1 - k : k);
    const kern = stepKernels(tf);
    try {
      for (let k = 0; k < T; k++) {
        const t = pos(k);
        const hPrev = hs.subarray(k * B * u, (k + 1) * B * u);
        if (k > 0) kern.matMul(hPrev, B, u, recurrent, hu);
        const gk = k * B * g4;
        preActivations(xwData, hu, zs, B, T, t, u);
        kern.sigmoid(zs, gates.subarray(gk, gk + B * g4));
        cellStep(gates, cells, cs, k, B, u);
        const tk = tanhC.subarray(k * B * u, (k + 1) * B * u);
        kern.sigmoid(cs, tk);
        hiddenStep(gates, tk, hs, k, B, u);
      }
    } finally {
      kern.dispose();
    }
    let value: Tensor;
    if (returnSequences) {
      const out = new Float32Array(B * T * u);
      sequencesOut(hs, out, B, T, u);
      value = tf.tensor3d(out, [B, T, u]);
    } else {
      value = tf.tensor2d(hs.slice(T * B * u, (T + 1) * B * u), [B, u]);
    }
    const gradFunc = (dy: Tensor, saved: Tensor[]) => {
      const [xs, kernelS, recurrentS] = saved;
      const dyData = values(tf, dy).slice();
      // dZ rows b * T + t (input position), like xw; h before each step transposed, [U, B * T] with the same
      // column order, so that the recurrent kernel's gradient is one product without a transposing copy.
      const dz = new Float32Array(B * T * g4);
      const hPrevT = new Float32Array(u * B * T);
      const BT = B * T;
      const dhNext = new Float32Array(B * u);
      const dzStep = new Float32Array(B * g4);
      const dcNext = new Float32Array(B * u);
      // U transposed once: dh of the previous step is dz x U^T at every step.
      const recurrentT = tf.transpose(recurrentS);
      const kern = stepKernels(tf);
      try {
        for (let k = T - 1; k >= 0; k--) {
          const t = pos(k);
          // The output's gradient reaches h at every step (sequences) or at the last one.
          const dyMode = returnSequences ? 1 : k === T - 1 ? 0 : -1;
          backwardStep(gates, cells, tanhC, hs, dyData, dyMode, dhNext, dcNext, dz, hPrevT, k, t, B, T, u);
          if (k > 0) {
            // dh for the previous step: this step's dz (rows of position t) times U transposed.
            stepRows(dz, dzStep, B, T, t, g4);
            kern.matMul(dzStep, B, g4, recurrentT, dhNext);
          }
        }
      } finally {
        kern.dispose();
        recurrentT.dispose();
      }
      const db = new Float32Array(g4);
      columnSums(dz, BT, g4, db);
      return tf.tidy(() => {
        const dZ = tf.tensor2d(dz, [BT, g4]);
        const dx = tf.reshape(tf.matMul(dZ, kernelS, false, true), [B, T, I]);
        const dKernel = tf.matMul(tf.reshape(xs, [BT, I]), dZ, true, false);
        const dRecurrent = tf.matMul(tf.tensor2d(hPrevT, [u, BT]), dZ);
        return [dx, dKernel, dRecurrent, tf.tensor1d(db)];
      });
    };
    return { value, gradFunc };
  }) as never) as (x: Tensor, kernel: Tensor, recurrent: Tensor, bias: Tensor) => Tensor;
}

/**
 * Replaces `call` of a tfjs LSTM layer with the one-op version when its options allow; returns why not
 * otherwise. Masks and initial states passed at call time fall back to the stock code.
 */
export function useFastLstm(tf: TF, layer: unknown): string | undefined {
  const l = layer as LstmLayerLike;
  const why = fastLstmRefusal(l);
  if (why) return why;
  const stock = l.call.bind(l);
  l.call = (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if ((Array.isArray(inputs) && inputs.length > 1) || kwargs?.mask != null || kwargs?.initialState != null) return stock(inputs, kwargs);
    const c = l.cell;
    const op = lstmOp(tf, { units: c.units, returnSequences: l.returnSequences, goBackwards: l.goBackwards });
    const bias = c.useBias && c.bias ? c.bias.read() : tf.zeros([4 * c.units]);
    return op(x, c.kernel.read(), c.recurrentKernel.read(), bias);
  };
  return undefined;
}

/**
 * Puts every LSTM of `model` (those inside bidirectional layers included) on the one-op path, on the
 * backends whose tensors live in JavaScript-reachable memory (wasm, cpu). Returns a line per layer that
 * stays on the stock path, for the log.
 */
export function useFastRecurrentLayers(tf: TF, model: { layers: unknown[] }): string[] {
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') return [];
  const notes: string[] = [];
  const visit = (layer: unknown) => {
    const l = layer as { getClassName(): string; name: string; forwardLayer?: unknown; backwardLayer?: unknown };
    const cls = l.getClassName();
    if (cls === 'Bidirectional') {
      visit(l.forwardLayer);
      visit(l.backwardLayer);
    } else if (cls === 'LSTM') {
      const why = useFastLstm(tf, l);
      if (why) notes.push(`${l.name}: stock LSTM (${why})`);
    }
  };
  model.layers.forEach(visit);
  return notes;
}
