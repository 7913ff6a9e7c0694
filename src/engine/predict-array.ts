// A model over many encoded examples, in batches, as one flat array (prediction, autoencoder codes).
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { TF } from './tf';

/** Runs the model over `n` encoded examples in batches; returns n x outputs values. */
export async function predictArray(tf: TF, model: LayersModel, inputShape: number[], x: Float32Array, n: number, batchSize = 256): Promise<{ out: Float32Array; units: number }> {
  const size = inputShape.reduce((a, b) => a * b, 1);
  // Values per example (an autoencoder's output or code may be an image: every value counts).
  const units = model.outputs[0].shape.slice(1).reduce((a: number, b) => a * (b ?? 1), 1);
  const out = new Float32Array(n * units);
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const xs = tf.tensor(x.subarray(start * size, (start + b) * size), [b, ...inputShape]);
    const ys = model.predict(xs) as import('@tensorflow/tfjs-core').Tensor;
    out.set(await ys.data() as Float32Array, start * units);
    xs.dispose();
    ys.dispose();
  }
  return { out, units };
}
