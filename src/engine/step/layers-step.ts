// The stock step: tensors from the batch arrays, then tfjs-layers' trainOnBatch / evaluate.
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { TF } from '../tf';
import type { Batch, TrainStep } from './types';

export function layersStep(tf: TF, model: LayersModel, inputShape: readonly number[], targetShape?: readonly number[]): TrainStep {
  // Targets take the output's shape (an autoencoder's may be an image) unless told; otherwise one row per example.
  const outShape = model.outputs[0].shape.slice(1) as number[];
  const outSize = outShape.reduce((a, b) => a * (b ?? 1), 1);
  const tensors = (batch: Batch) => {
    const xs = tf.tensor(batch.xs, [batch.b, ...inputShape]);
    const width = batch.ys.length / batch.b;
    const ys = tf.tensor(batch.ys, [batch.b, ...(targetShape ?? (width === outSize ? outShape : [width]))]);
    return { xs, ys };
  };
  return {
    kind: 'layers',
    async train(batch) {
      const { xs, ys } = tensors(batch);
      try {
        const out = await model.trainOnBatch(xs, ys);
        return Array.isArray(out) ? out : [out];
      } finally {
        xs.dispose();
        ys.dispose();
      }
    },
    async evaluate(batch) {
      const { xs, ys } = tensors(batch);
      try {
        const res = model.evaluate(xs, ys, { batchSize: batch.b });
        const scalars: Tensor[] = Array.isArray(res) ? res : [res];
        const values: number[] = [];
        for (const s of scalars) values.push((await s.data())[0] ?? NaN);
        tf.dispose(scalars);
        return values;
      } finally {
        xs.dispose();
        ys.dispose();
      }
    },
  };
}
