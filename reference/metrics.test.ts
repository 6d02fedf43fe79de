import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { accuracy, initTensorBackend, mae, mape } from './index.js';
import { assertNoLeak, assertTensorClose, FLOAT32 } from './test-support.js';

// Expected values: float64, by hand (checked with numpy).
beforeAll(async () => {
  await initTensorBackend();
});

describe('mae', () => {
  it('is the mean absolute error over all elements', () => {
    assertTensorClose(mae(tf.tensor1d([3, -0.5, 2, 7]), tf.tensor1d([2.5, 0, 2, 8])), [0.5], [], FLOAT32);
    // |100-110|, |200-190|, |50-45|, |-80+84| -> mean of 10, 10, 5, 4.
    assertTensorClose(mae(tf.tensor2d([[100, 200], [50, -80]]), tf.tensor2d([[110, 190], [45, -84]])), [7.25], [], FLOAT32);
  });

  it('refuses mismatched shapes', () => {
    expect(() => mae(tf.tensor1d([1, 2]), tf.tensor1d([1, 2, 3]))).toThrow(/same shape/);
  });
});

describe('mape', () => {
  it('is a fraction, not a percentage', () => {
    // (0.5/3 + 0.5/0.5 + 0 + 1/7) / 4 = 0.32738...
    assertTensorClose(mape(tf.tensor1d([3, -0.5, 2, 7]), tf.tensor1d([2.5, 0, 2, 8])), [0.3273809523809524], [], FLOAT32);
    // 10%, 5%, 10%, 5% -> 0.075.
    assertTensorClose(mape(tf.tensor2d([[100, 200], [50, -80]]), tf.tensor2d([[110, 190], [45, -84]])), [0.075], [], FLOAT32);
  });

  it('refuses y = 0, where it is undefined', () => {
    expect(() => mape(tf.tensor1d([1, 0]), tf.tensor1d([1, 1]))).toThrow(/y contains 0/);
  });

  it('leaks no intermediate tensors', () => {
    const y = tf.tensor1d([1, 2]);
    const yhat = tf.tensor1d([1.5, 2]);
    assertNoLeak(() => mape(y, yhat));
    assertNoLeak(() => mae(y, yhat));
  });
});

describe('accuracy', () => {
  // Created per test: after beforeAll chose the backend.
  const logits = () => tf.tensor2d([[0.1, 2, 0.3], [3, 1, 0], [0, 0, 5], [1, 1, 0]]);

  it('is the fraction of rows whose argmax equals the label', () => {
    // argmax per row: 1, 0, 2, 0 (tie -> lowest index); labels 1, 0, 1, 0 -> 3 of 4.
    assertTensorClose(accuracy(logits(), tf.tensor1d([1, 0, 1, 0], 'int32')), [0.75], [], FLOAT32);
    assertTensorClose(accuracy(logits(), tf.tensor1d([1, 0, 2, 0], 'int32')), [1], [], FLOAT32);
  });

  it('resolves ties to the lowest index, as numpy argmax does', () => {
    assertTensorClose(accuracy(tf.tensor2d([[1, 1, 0], [2, 5, 5]]), tf.tensor1d([1, 2], 'int32')), [0], [], FLOAT32);
    assertTensorClose(accuracy(tf.tensor2d([[1, 1, 0], [2, 5, 5]]), tf.tensor1d([0, 1], 'int32')), [1], [], FLOAT32);
  });

  it('leaks no intermediate tensors and refuses bad labels', () => {
    const x = logits();
    const y = tf.tensor1d([1, 0, 2, 0], 'int32');
    assertNoLeak(() => accuracy(x, y));
    expect(() => accuracy(logits(), tf.tensor1d([1, 0, 2, 0]))).toThrow(/int32/);
    expect(() => accuracy(logits(), tf.tensor1d([1, 0, 2], 'int32'))).toThrow(/number of labels/);
  });
});
