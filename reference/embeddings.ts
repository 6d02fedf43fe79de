/**
 * Embedding arithmetic for recommenders (Unit 7), float32.
 */
import * as tf from '@tensorflow/tfjs';
import { ReferenceInputError } from './errors.js';
import { asFloat32, requireDim, requireNonEmptyLastAxis, requireRank, requireSameShape } from './inputs.js';

/**
 * Cosine similarity along the last axis of `a` and `b` (same shape): (d) -> scalar,
 * (n, d) -> (n). Undefined for a zero vector, which is refused.
 */
export function cosineSimilarity(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  requireSameShape('cosineSimilarity', 'a', a, 'b', b);
  requireNonEmptyLastAxis('cosineSimilarity', 'a', a);
  return tf.tidy(() => cosineAlongLastAxis('cosineSimilarity', 'a', asFloat32(a), 'b', asFloat32(b)));
}

/** Euclidean distance along the last axis of `a` and `b` (same shape): (d) -> scalar, (n, d) -> (n). */
export function euclideanDistance(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  requireSameShape('euclideanDistance', 'a', a, 'b', b);
  requireNonEmptyLastAxis('euclideanDistance', 'a', a);
  return tf.tidy(() => {
    const diff = tf.sub(asFloat32(a), asFloat32(b));
    // Scaled by the largest |difference| so squares cannot overflow float32 (|x| > 1.8e19).
    const scale = tf.max(tf.abs(diff), -1, true);
    const safeScale = tf.where(tf.equal(scale, 0), tf.onesLike(scale), scale);
    const norm = tf.sqrt(tf.sum(tf.square(tf.div(diff, safeScale)), -1));
    return tf.mul(norm, tf.squeeze(scale, [-1]));
  });
}

/**
 * Indices (k, int32) of the `k` rows of `items` (m, d) most similar to `query` (d) by cosine
 * similarity, most similar first; equal similarities go to the lower index first.
 * Similarities are compared as float32 values.
 */
export function topK(query: tf.Tensor, items: tf.Tensor, k: number): tf.Tensor {
  const fn = 'topK';
  requireRank(fn, 'query', query, 1, '(d)');
  requireRank(fn, 'items', items, 2, '(m, d)');
  const [rows = 0, width = 0] = items.shape;
  requireDim(fn, 'the width of items (d, the length of query)', width, query.shape[0] ?? 0);
  requireNonEmptyLastAxis(fn, 'query', query);
  if (!Number.isInteger(k) || k < 1 || k > rows) {
    throw new ReferenceInputError(`${fn}: k must be an integer in [1, ${rows}] (the number of items), got ${k}`);
  }
  return tf.tidy(() => {
    const similarities = cosineAlongLastAxis(fn, 'query', asFloat32(query), 'items', asFloat32(items));
    // tf.topk documents that equal values keep the lower index first, on every backend.
    return tf.topk(similarities, k, true).indices;
  });
}

/** Predicted ratings U Vᵀ for user embeddings (u, d) and item embeddings (i, d): shape (u, i). */
export function predictRatings(userEmb: tf.Tensor, itemEmb: tf.Tensor): tf.Tensor {
  const fn = 'predictRatings';
  requireRank(fn, 'userEmb', userEmb, 2, '(u, d)');
  requireRank(fn, 'itemEmb', itemEmb, 2, '(i, d)');
  requireDim(fn, 'the embedding width of itemEmb (d of userEmb)', itemEmb.shape[1] ?? 0, userEmb.shape[1] ?? 0);
  return tf.tidy(() => tf.matMul(asFloat32(userEmb), asFloat32(itemEmb), false, true));
}

/**
 * a·b / (|a| |b|) along the last axis; shapes equal, or a query (d) against rows (m, d).
 * Each vector is first divided by its largest |component|: the cosine does not change,
 * squares cannot overflow or underflow float32, and vectors that are exact multiples of
 * each other give identical similarities (so such ties stay ties).
 * Call inside tf.tidy.
 */
function cosineAlongLastAxis(fn: string, aName: string, a: tf.Tensor, bName: string, b: tf.Tensor): tf.Tensor {
  const aUnit = divideByLargestComponent(fn, aName, a);
  const bUnit = divideByLargestComponent(fn, bName, b);
  const dot = tf.sum(tf.mul(aUnit, bUnit), -1);
  const norms = tf.mul(tf.sqrt(tf.sum(tf.square(aUnit), -1)), tf.sqrt(tf.sum(tf.square(bUnit), -1)));
  return tf.div(dot, norms);
}

function divideByLargestComponent(fn: string, name: string, x: tf.Tensor): tf.Tensor {
  const scale = tf.max(tf.abs(x), -1, true);
  const zeroRow = scale.dataSync().indexOf(0);
  if (zeroRow !== -1) {
    const where = x.rank === 1 ? name : `row ${zeroRow} of ${name}`;
    throw new ReferenceInputError(`${fn}: cosine similarity is undefined for a zero vector, and ${where} is all zeros`);
  }
  return tf.div(x, scale);
}
