/**
 * Language-model evaluation (Unit 8).
 */
import * as tf from '@tensorflow/tfjs';
import { asFloat32, requireNonEmpty, requireRank } from './inputs.js';

/**
 * Perplexity exp(-mean(logprobs)) of per-token natural-log probabilities (n), a scalar.
 * Uniform log-probabilities -log(V) give V. Beyond about 3.4e38 (mean log-prob below
 * -88.7) float32 overflows to Infinity.
 */
export function perplexity(tokenLogprobs: tf.Tensor): tf.Tensor {
  requireRank('perplexity', 'tokenLogprobs', tokenLogprobs, 1, '(n)');
  requireNonEmpty('perplexity', 'tokenLogprobs', tokenLogprobs);
  return tf.tidy(() => tf.exp(tf.neg(tf.mean(asFloat32(tokenLogprobs)))));
}
