/**
 * Softmax family along the last axis, float32, written the way the course teaches:
 * subtract the row maximum before exp, and take logs through log-sum-exp.
 */
import * as tf from '@tensorflow/tfjs';
import { ReferenceInputError } from './errors.js';
import { asFloat32, requireNonEmptyLastAxis } from './inputs.js';
import { shiftByMax } from './numerics.js';

/** softmax(logits) along the last axis; any rank >= 1; same shape out. */
export function softmax(logits: tf.Tensor): tf.Tensor {
  requireNonEmptyLastAxis('softmax', 'logits', logits);
  return tf.tidy(() => normalizeExp(shiftByMax(asFloat32(logits))));
}

/** log(softmax(logits)) along the last axis, as z - log(sum(exp(z))) with z = x - max(x). */
export function logSoftmax(logits: tf.Tensor): tf.Tensor {
  requireNonEmptyLastAxis('logSoftmax', 'logits', logits);
  return tf.tidy(() => {
    const z = shiftByMax(asFloat32(logits));
    return tf.sub(z, tf.log(tf.sum(tf.exp(z), -1, true)));
  });
}

/**
 * softmax(logits / t) along the last axis, for a temperature t > 0.
 *
 * The maximum is subtracted before dividing by t, so (x - max) / t is never positive:
 * t -> 0 gives a finite one-hot (shared equally between tied maxima) instead of Inf / Inf,
 * and a large t gives an almost uniform distribution.
 */
export function temperatureSoftmax(logits: tf.Tensor, t: number): tf.Tensor {
  requireNonEmptyLastAxis('temperatureSoftmax', 'logits', logits);
  if (!Number.isFinite(t) || t <= 0) {
    throw new ReferenceInputError(`temperatureSoftmax: temperature must be a finite number > 0, got ${t}`);
  }
  if (Math.fround(t) === 0) {
    throw new ReferenceInputError(
      `temperatureSoftmax: temperature ${t} rounds to 0 in float32 (smallest is about 1.4e-45); use argmax for the t -> 0 limit`,
    );
  }
  return tf.tidy(() => normalizeExp(tf.div(shiftByMax(asFloat32(logits)), tf.scalar(t, 'float32'))));
}

/** exp(z) / sum(exp(z)) along the last axis, for z <= 0 with at least one 0 per row. */
function normalizeExp(z: tf.Tensor): tf.Tensor {
  const e = tf.exp(z);
  return tf.div(e, tf.sum(e, -1, true));
}
