/**
 * Classification losses, in nats, float32, in the numerically stable forms the course teaches.
 */
import * as tf from '@tensorflow/tfjs';
import { ReferenceInputError } from './errors.js';
import { asFloat32, requireLabels, requireNonEmpty, requireRank, requireSameShape } from './inputs.js';
import { log1pAccurate } from './numerics.js';
import { logSoftmax } from './softmax.js';

/**
 * Mean negative log-likelihood of `labels` (n, int32) under softmax(`logits` (n, c)), a scalar.
 * Taken from logSoftmax (log-sum-exp), never log(softmax): extreme logits stay finite,
 * e.g. logits [1e4, -1e4] with label 1 give 2e4, not Inf.
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  const fn = 'crossEntropy';
  requireRank(fn, 'logits', logits, 2, '(n, c)');
  const [rows = 0, classes = 0] = logits.shape;
  requireNonEmpty(fn, 'logits', logits);
  requireLabels(fn, labels, rows, classes);
  return tf.tidy(() => {
    const logProbs = logSoftmax(logits);
    // Row-major position of (row i, column labels[i]) in the flattened (n * c) log-probabilities.
    const flatIndex = tf.add(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(classes, 'int32')), labels);
    const picked = tf.gather(tf.reshape(logProbs, [-1]), flatIndex);
    return tf.neg(tf.mean(picked));
  });
}

/**
 * Binary cross-entropy of sigmoid(`logits`) against `targets` (same shape, values in [0, 1]),
 * averaged over every element, a scalar:
 *   max(x, 0) - x * t + log1p(exp(-|x|))
 * which never overflows (exp of a non-positive number) and keeps precision for large |x|.
 */
export function bceWithLogits(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  const fn = 'bceWithLogits';
  requireSameShape(fn, 'logits', logits, 'targets', targets);
  requireNonEmpty(fn, 'logits', logits);
  const outOfRange = tf.tidy(() => {
    const t = asFloat32(targets);
    return tf.any(tf.logicalOr(tf.less(t, 0), tf.greater(t, 1))).dataSync()[0] === 1;
  });
  if (outOfRange) {
    throw new ReferenceInputError(`${fn}: targets must be probabilities in [0, 1]`);
  }
  return tf.tidy(() => {
    const x = asFloat32(logits);
    const t = asFloat32(targets);
    const perElement = tf.add(tf.sub(tf.relu(x), tf.mul(x, t)), log1pAccurate(tf.exp(tf.neg(tf.abs(x)))));
    return tf.mean(perElement);
  });
}
