import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cosineSimilarity, euclideanDistance, initTensorBackend, predictRatings, ReferenceInputError, topK } from './index.js';
import { assertNoLeak, assertTensorClose, FLOAT32 } from './test-support.js';

// Expected values: float64, by hand or from numpy (a·b / (|a| |b|), np.linalg.norm, U @ V.T).
beforeAll(async () => {
  await initTensorBackend();
});

const ints = (t: tf.Tensor) => Array.from(t.dataSync());

describe('cosineSimilarity', () => {
  it('gives a scalar for vectors and one value per row for batches', () => {
    // 32 / (sqrt(14) sqrt(77)).
    assertTensorClose(cosineSimilarity(tf.tensor1d([1, 2, 3]), tf.tensor1d([4, 5, 6])), [0.9746318461970762], [], FLOAT32);
    assertTensorClose(
      cosineSimilarity(tf.tensor2d([[1, 0], [1, 1], [-2, 0.5]]), tf.tensor2d([[0, 1], [2, 2.5], [3, -1]])),
      [0, 0.9938837346736189, -0.9970544855015815],
      [3],
      FLOAT32,
    );
  });

  it('does not overflow or underflow on huge or tiny components', () => {
    // Same directions as [1, 2] and [3, -1]: 1 / sqrt(50). Squares of 1e20 overflow float32.
    assertTensorClose(cosineSimilarity(tf.tensor1d([1e20, 2e20]), tf.tensor1d([3e20, -1e20])), [0.1414213562373095], [], FLOAT32);
    assertTensorClose(cosineSimilarity(tf.tensor1d([1e-30, 2e-30]), tf.tensor1d([3e-30, -1e-30])), [0.1414213562373095], [], FLOAT32);
  });

  it('refuses zero vectors and mismatched shapes', () => {
    expect(() => cosineSimilarity(tf.tensor1d([0, 0]), tf.tensor1d([1, 2]))).toThrow(/a is all zeros/);
    expect(() => cosineSimilarity(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[1, 2], [0, 0]]))).toThrow(/row 1 of b is all zeros/);
    expect(() => cosineSimilarity(tf.tensor1d([1, 2]), tf.tensor2d([[1, 2]]))).toThrow(/same shape/);
  });

  it('leaks no intermediate tensors', () => {
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    const b = tf.tensor2d([[2, 1], [0, 1]]);
    assertNoLeak(() => cosineSimilarity(a, b));
  });
});

describe('euclideanDistance', () => {
  it('gives a scalar for vectors and one value per row for batches', () => {
    assertTensorClose(euclideanDistance(tf.tensor1d([1, 2, 3]), tf.tensor1d([4, 6, 3])), [5], [], FLOAT32);
    assertTensorClose(
      euclideanDistance(tf.tensor2d([[1, 2, 3], [0.5, -1, 2]]), tf.tensor2d([[4, 6, 3], [-1, 1, 0]])),
      [5, 3.2015621187164243],
      [2],
      FLOAT32,
    );
  });

  it('is 0 for identical vectors and does not overflow on huge components', () => {
    expect(euclideanDistance(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[1, 2], [3, 4]])).dataSync()).toEqual(new Float32Array([0, 0]));
    // A 3-4-5 triangle scaled by 1e20.
    assertTensorClose(euclideanDistance(tf.tensor1d([3e20, 0]), tf.tensor1d([0, 4e20])), [5e20], [], FLOAT32);
  });

  it('leaks no intermediate tensors', () => {
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    const b = tf.tensor2d([[2, 1], [3, 4]]);
    assertNoLeak(() => euclideanDistance(a, b));
  });
});

describe('topK', () => {
  // Cosines with the query [1, 0]: 1, 0, 0.7071, -1, 0.99875.
  const items = () => tf.tensor2d([[1, 0], [0, 1], [1, 1], [-1, 0], [2, 0.1]]);

  it('returns int32 indices of the most similar items, most similar first', () => {
    const top = topK(tf.tensor1d([1, 0]), items(), 3);
    expect(top.dtype).toBe('int32');
    expect(top.shape).toEqual([3]);
    expect(ints(top)).toEqual([0, 4, 2]);
    expect(ints(topK(tf.tensor1d([1, 0]), items(), 5))).toEqual([0, 4, 2, 1, 3]);
    expect(ints(topK(tf.tensor1d([-3, 0]), items(), 1))).toEqual([3]);
  });

  it('ranks by direction, not length, and breaks ties by the lower index', () => {
    // [1,1], [2,2], [1,1], [3,3] all have cosine 1 with [1,1]; [0,1] has 0.7071.
    expect(ints(topK(tf.tensor1d([1, 1]), tf.tensor2d([[0, 1], [1, 1], [2, 2], [1, 1], [3, 3]]), 5))).toEqual([1, 2, 3, 4, 0]);
    // Symmetric ties: cosines -0.7071, 0.7071, -0.7071, 0.7071.
    expect(ints(topK(tf.tensor1d([1, 1]), tf.tensor2d([[0, -1], [1, 0], [-1, 0], [0, 1]]), 4))).toEqual([1, 3, 0, 2]);
  });

  it('refuses a bad k, mismatched widths and zero vectors', () => {
    for (const k of [0, 6, 1.5]) {
      expect(() => topK(tf.tensor1d([1, 0]), items(), k)).toThrow(/k must be an integer in \[1, 5\]/);
    }
    expect(() => topK(tf.tensor1d([1, 0, 0]), items(), 2)).toThrow(/width of items/);
    expect(() => topK(tf.tensor1d([0, 0]), items(), 2)).toThrow(/query is all zeros/);
    expect(() => topK(tf.tensor1d([1, 0]), tf.tensor2d([[1, 2], [0, 0]]), 1)).toThrow(/row 1 of items is all zeros/);
    expect(() => topK(tf.tensor2d([[1, 0]]), items(), 1)).toThrow(ReferenceInputError);
  });

  it('leaks no intermediate tensors', () => {
    const query = tf.tensor1d([1, 0]);
    const rows = items();
    assertNoLeak(() => topK(query, rows, 2));
  });
});

describe('predictRatings', () => {
  it('is U Vᵀ with one row per user and one column per item', () => {
    const users = tf.tensor2d([[1, 0.5, -1], [2, -1, 0.25]]);
    const itemEmb = tf.tensor2d([[0.5, 1, 2], [-1, 0, 1], [3, 0.5, -0.5], [0, 0, 1]]);
    assertTensorClose(predictRatings(users, itemEmb), [-1, -2, 3.75, -1, 0.5, -1.75, 5.375, 0.25], [2, 4], FLOAT32);
    assertNoLeak(() => predictRatings(users, itemEmb));
  });

  it('refuses embeddings of different widths', () => {
    expect(() => predictRatings(tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 2, 3]]))).toThrow(/embedding width/);
    expect(() => predictRatings(tf.tensor1d([1, 2]), tf.tensor2d([[1, 2]]))).toThrow(/shape \(u, d\)/);
  });
});
