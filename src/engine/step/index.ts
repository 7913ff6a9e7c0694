// One training step and one evaluation on a batch held in plain arrays. The trainer and the bench call this,
// never `trainOnBatch` directly, so both measure and run the same path: on wasm, a model made only of dense
// layers trains through `dense-wasm.ts` (forward, backward and the optimizer without the autograd tape);
// anything else goes through tfjs-layers (`layers-step.ts`).
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { MetricName } from '../../format/types';
import type { OutputPlan } from '../model';
import type { TF } from '../tf';
import { denseWasmStep } from './dense-wasm';
import { layersStep } from './layers-step';

/** A batch as the trainer assembles it: `b` rows of inputs (flattened) and targets (`width` values each). */
export type { Batch, TrainStep } from './types';
import type { TrainStep } from './types';

export interface StepOptions {
  plan: OutputPlan;
  /** The metrics the model was compiled with, in order. */
  metrics: readonly MetricName[];
  /** One example's input shape (the batch dimension excluded). */
  inputShape: readonly number[];
  /** One example's target shape, when not a flat row (a sequence task: [positions, 1], one id per position). */
  targetShape?: readonly number[];
  /** Force tfjs-layers even where the dense path applies (tests compare the two). */
  forceLayers?: boolean;
}

export function makeTrainStep(tf: TF, model: LayersModel, opts: StepOptions): TrainStep {
  const stock = () => layersStep(tf, model, opts.inputShape, opts.targetShape);
  if (opts.forceLayers) return stock();
  const dense = denseWasmStep(tf, model, opts.plan, opts.metrics);
  if (typeof dense === 'string') return { ...stock(), reason: dense };
  return dense;
}
