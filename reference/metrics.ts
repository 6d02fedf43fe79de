/**
 * Regression errors and classification accuracy, float32 scalars.
 */
import * as tf from '@tensorflow/tfjs';
import { ReferenceInputError } from './errors.js';
import { anyZero, asFloat32, requireLabels, requireNonEmpty, requireRank, requireSameShape } from './inputs.js';
import { firstArgMax } from './numerics.js';

/** Mean absolute error: mean |y - yhat| over all elements. */
export function mae(y: tf.Tensor, yhat: tf.Tensor): tf.Tensor {
  requireSameShape('mae', 'y', y, 'yhat', yhat);
  requireNonEmpty('mae', 'y', y);
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(asFloat32(y), asFloat32(yhat)))));
}

/**
 * Mean absolute percentage error as a FRACTION (0.05 means 5%): mean |(y - yhat) / y|.
 * Undefined where y = 0, so such inputs are refused rather than answered with Inf.
 */
export function mape(y: tf.Tensor, yhat: tf.Tensor): tf.Tensor {
  requireSameShape('mape', 'y', y, 'yhat', yhat);
  requireNonEmpty('mape', 'y', y);
  if (anyZero(y)) {
    throw new ReferenceInputError('mape: y contains 0, where the percentage error is undefined; choose targets away from 0');
  }
  return tf.tidy(() => {
    const truth = asFloat32(y);
    return tf.mean(tf.abs(tf.div(tf.sub(truth, asFloat32(yhat)), truth)));
  });
}

/**
 * Fraction of rows whose argmax over the last axis of `logits` (n, c) equals `labels`
 * (n, int32), a scalar in [0, 1]. Ties in a row go to the lowest index, as numpy's argmax.
 */
export function accuracy(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  requireRank('accuracy', 'logits', logits, 2, '(n, c)');
  requireNonEmpty('accuracy', 'logits', logits);
  const [rows = 0, classes = 0] = logits.shape;
  requireLabels('accuracy', labels, rows, classes);
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(firstArgMax(asFloat32(logits)), labels), 'float32')));
}
