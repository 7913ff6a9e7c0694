// Metrics of a sequence task, as tfjs-layers metric functions: targets are [batch, positions] token ids
// (0 = padding), predictions [batch, positions, ids] probabilities.
//   tokenAccuracy: the share of target tokens (padding ignored) predicted right, over the batch.
//   sequenceAccuracy: the share of examples whose predicted text is the target text: every target token
//   right and, where the target is shorter than the positions, padding predicted right after it (so the
//   decoded prediction, which stops at the first padding, is exactly the target).
import type { Tensor } from '@tensorflow/tfjs-core';
import type { TF } from '../tf';

export function tokenAccuracy(tf: TF) {
  return function tokenAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
    return tf.tidy(() => {
      const want = tf.cast(tf.reshape(yTrue, yPred.shape.slice(0, 2)), 'int32');
      const got = tf.argMax(yPred, -1);
      const tokens = tf.cast(tf.notEqual(want, 0), 'float32');
      const right = tf.mul(tf.cast(tf.equal(got, want), 'float32'), tokens);
      return tf.div(tf.sum(right), tf.maximum(tf.sum(tokens), 1));
    });
  };
}

export function sequenceAccuracy(tf: TF) {
  return function sequenceAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
    return tf.tidy(() => {
      const [b, positions] = yPred.shape;
      const want = tf.cast(tf.reshape(yTrue, [b, positions]), 'int32');
      const got = tf.argMax(yPred, -1);
      const tokens = tf.cast(tf.notEqual(want, 0), 'float32');
      // The first padding position of each row: padding whose previous position is a token (or the row's start).
      const before = positions > 1 ? tf.concat([tf.ones([b, 1]), tf.slice(tokens, [0, 0], [b, positions - 1])], 1) : tf.ones([b, 1]);
      const end = tf.mul(tf.sub(1, tokens), before);
      const counted = tf.add(tokens, end);
      const wrong = tf.mul(counted, tf.cast(tf.notEqual(got, want), 'float32'));
      return tf.cast(tf.equal(tf.sum(wrong, 1), 0), 'float32');
    });
  };
}
