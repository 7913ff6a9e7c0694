// The TensorFlow.js shipped inside the bundle: tfjs-core + tfjs-layers + the pure-JS cpu backend. Loaded
// with require() by the backend ladder only when a bundled backend (webgpu, wasm, cpu) is wanted, so a
// native run never initializes this second copy of tfjs-core.
import * as core from '@tensorflow/tfjs-core';
// tfjs-layers calls chained tensor methods (x.flatten(), x.sign()), which only the union package
// @tensorflow/tfjs registers; without them the orthogonal initializer of recurrent layers fails.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import * as layers from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import type { TF } from '../tf';

export const tf: TF = Object.assign({}, core, layers) as TF;

// Production mode: no debug checks, and no "install tfjs-node" banner on the trainer's output.
tf.env().set('PROD', true);
