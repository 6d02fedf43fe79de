import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bceWithLogits, crossEntropy, initTensorBackend, ReferenceInputError } from './index.js';
import { assertNoLeak, assertTensorClose, FLOAT32, FLOAT32_RELATIVE } from './test-support.js';

// Expected values: float64, from numpy (scipy.special.logsumexp, np.log1p) or by hand where noted.
beforeAll(async () => {
  await initTensorBackend();
});

const labels = (values: number[]) => tf.tensor1d(values, 'int32');

describe('crossEntropy', () => {
  it('is the mean negative log-likelihood in nats', () => {
    const logits = tf.tensor2d([[2, 1, 0.1], [0.5, 2.5, 0.3], [1, 1, 1]]);
    assertTensorClose(crossEntropy(logits, labels([0, 1, 2])), [0.5785639426554935], [], FLOAT32);
  });

  it('equals log-sum-exp minus the label logit on extreme logits', () => {
    // By hand, per row: log-sum-exp - logit[label] = (1e4 - (-1e4)), (1e3 + ln 2 - 1e3), (1e4 - 1e4).
    const logits = tf.tensor2d([[1e4, -1e4, 0], [1e3, 1e3, -1e3], [-1e4, 1e4, 0]]);
    const loss = crossEntropy(logits, labels([1, 0, 1]));
    assertTensorClose(loss, [(2e4 + Math.LN2) / 3], [], FLOAT32);
    expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    // The certain, correct prediction costs nothing.
    assertTensorClose(crossEntropy(tf.tensor2d([[1e4, -1e4]]), labels([0])), [0], [], FLOAT32);
    assertTensorClose(crossEntropy(tf.tensor2d([[-1e4, 1e4]]), labels([0])), [2e4], [], FLOAT32);
  });

  it('leaks no intermediate tensors', () => {
    const logits = tf.tensor2d([[1, 2], [3, 4]]);
    const y = labels([1, 0]);
    assertNoLeak(() => crossEntropy(logits, y));
  });

  it('refuses labels that are not int32 class indices of every row', () => {
    const logits = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    expect(() => crossEntropy(logits, tf.tensor1d([0, 1]))).toThrow(/int32/);
    expect(() => crossEntropy(logits, labels([0, 3]))).toThrow(/label 3 at row 1 is outside \[0, 3\)/);
    expect(() => crossEntropy(logits, labels([0, -1]))).toThrow(ReferenceInputError);
    expect(() => crossEntropy(logits, labels([0]))).toThrow(/number of labels/);
    expect(() => crossEntropy(tf.tensor1d([1, 2]), labels([0]))).toThrow(/shape \(n, c\)/);
    expect(() => crossEntropy(tf.zeros([0, 3]), labels([]))).toThrow(/empty/);
  });
});

describe('bceWithLogits', () => {
  it('is the mean binary cross-entropy over all elements, soft targets included', () => {
    const logits = tf.tensor2d([[0.5, -1.2, 3.0], [-0.3, 2.2, -4.1]]);
    const targets = tf.tensor2d([[1, 0, 1], [0, 1, 0.25]]);
    assertTensorClose(bceWithLogits(logits, targets), [0.41447036909700213], [], FLOAT32);
  });

  it('stays finite and exact at logits of ±1e4', () => {
    // By hand: max(x,0) - x t + log1p(exp(-|x|)) = 0, 0, 1e4, 1e4.
    assertTensorClose(bceWithLogits(tf.tensor1d([1e4, -1e4, 1e4, -1e4]), tf.tensor1d([1, 0, 0, 1])), [5000], [], FLOAT32);
    expect(bceWithLogits(tf.tensor1d([1e4, 1e4]), tf.tensor1d([1, 1])).dataSync()[0]).toBe(0);
  });

  it('keeps relative precision for confident correct predictions (log1p, not log(1 + u))', () => {
    // Mean of log1p(exp(-12)), log1p(exp(-15)), log1p(exp(-20)), log1p(exp(-20)).
    assertTensorClose(bceWithLogits(tf.tensor1d([12, 15, 20, -20]), tf.tensor1d([1, 1, 1, 0])), [1.6135545146717889e-6], [], FLOAT32_RELATIVE);
    assertTensorClose(bceWithLogits(tf.tensor1d([12]), tf.tensor1d([1])), [6.144193477732806e-6], [], FLOAT32_RELATIVE);
  });

  it('leaks no intermediate tensors', () => {
    const logits = tf.tensor1d([1, -2]);
    const targets = tf.tensor1d([1, 0]);
    assertNoLeak(() => bceWithLogits(logits, targets));
  });

  it('refuses mismatched shapes, empty inputs and targets outside [0, 1]', () => {
    expect(() => bceWithLogits(tf.tensor1d([1, 2]), tf.tensor2d([[1, 0]]))).toThrow(/same shape/);
    expect(() => bceWithLogits(tf.tensor1d([]), tf.tensor1d([]))).toThrow(/empty/);
    expect(() => bceWithLogits(tf.tensor1d([1, 2]), tf.tensor1d([1, 1.5]))).toThrow(/\[0, 1\]/);
    expect(() => bceWithLogits(tf.tensor1d([1, 2]), tf.tensor1d([-0.1, 1]))).toThrow(ReferenceInputError);
  });
});
