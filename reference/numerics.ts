/**
 * Numerical building blocks the references share.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * log(1 + u) accurate for small u, elementwise, float32.
 *
 * Why not tf.log1p: the WASM backend computes it as log(1 + u) in float32, so it returns 0
 * for u below 6e-8 and is off by about 0.1% at u = 1e-5 (measured on tfjs 4.22). That is
 * exactly the range log1p exists for (BCE's log1p(exp(-|x|)) for |x| > 10), and an error
 * that size would fail correct float64 student answers under a relative tolerance.
 *
 * Goldberg's identity: with w = fl(1 + u), log1p(u) = log(w) * u / (w - 1), where w - 1 is
 * exact; when w rounds to 1, log1p(u) = u to float32 precision.
 * Call inside tf.tidy: it creates intermediates.
 */
export function log1pAccurate(u: tf.Tensor): tf.Tensor {
  const w = tf.add(u, 1);
  const wMinusOne = tf.sub(w, 1);
  const roundedToOne = tf.equal(wMinusOne, 0);
  const safeDenominator = tf.where(roundedToOne, tf.onesLike(wMinusOne), wMinusOne);
  return tf.where(roundedToOne, u, tf.mul(tf.log(w), tf.div(u, safeDenominator)));
}

/**
 * x minus its maximum along the last axis (keeping dims), so exp() of it never overflows.
 * Call inside tf.tidy.
 */
export function shiftByMax(x: tf.Tensor): tf.Tensor {
  return tf.sub(x, tf.max(x, -1, true));
}

/**
 * Index of the maximum along the last axis (int32), the LOWEST index among ties, as numpy's
 * argmax. tf.argMax leaves ties unspecified (TensorFlow's native kernel does not promise
 * the first), and accuracy must not depend on which backend graded. Call inside tf.tidy.
 */
export function firstArgMax(x: tf.Tensor): tf.Tensor {
  const width = x.shape[x.rank - 1] ?? 0;
  const isMax = tf.equal(x, tf.max(x, -1, true));
  const positions = tf.range(0, width, 1, 'int32');
  return tf.min(tf.where(isMax, tf.broadcastTo(positions, x.shape), tf.fill(x.shape, width, 'int32')), -1);
}
