// Whether a model can be trained in the trainer's memory, estimated from the plan's layers (no
// TensorFlow.js): validation warns before a run that cannot fit, and an out-of-memory failure says how big
// the model was. Training holds four float32 copies of every parameter (weights, gradients and Adam's two
// moments) and, per layer, a batch of outputs and their gradients.
import { formatBytes } from '../runs/safe-fs';

/** What the trainer can hold: wasm's heap is at most 4 GB, of which about half is usable for one model. */
export const TRAINER_MEMORY_BYTES = 2 * 1024 ** 3;

export interface MemoryEstimate {
  params: number;
  /** Weights, gradients and optimizer state. */
  paramBytes: number;
  /** One batch of every layer's outputs, and their gradients. */
  activationBytes: number;
  total: number;
}

/** From the plan's layers (or any layer list with output shapes and parameter counts). */
export function trainingMemory(layers: readonly { params: number; outputShape: readonly (number | null)[] }[], batchSize: number): MemoryEstimate {
  let params = 0;
  let values = 0;
  for (const l of layers) {
    params += l.params;
    values += l.outputShape.reduce<number>((n, d) => n * (d ?? 1), 1);
  }
  const paramBytes = params * 4 * 4;
  const activationBytes = values * batchSize * 4 * 2;
  return { params, paramBytes, activationBytes, total: paramBytes + activationBytes };
}

/** "12,345,678 parameters, about 3.1 GB to train (...)". */
export function describeMemory(m: MemoryEstimate, batchSize: number): string {
  return (
    `${m.params.toLocaleString('en-US')} parameters, about ${formatBytes(m.total)} to train ` +
    `(${formatBytes(m.paramBytes)} for weights, gradients and optimizer state, ${formatBytes(m.activationBytes)} for the activations of a batch of ${batchSize})`
  );
}
