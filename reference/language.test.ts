import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTensorBackend, perplexity } from './index.js';
import { assertNoLeak, assertTensorClose, FLOAT32 } from './test-support.js';

beforeAll(async () => {
  await initTensorBackend();
});

describe('perplexity', () => {
  it('of uniform log-probabilities is the vocabulary size', () => {
    assertTensorClose(perplexity(tf.tensor1d(new Array(10).fill(-Math.log(50)))), [50], [], FLOAT32);
    assertTensorClose(perplexity(tf.tensor1d(new Array(7).fill(-Math.log(50257)))), [50257], [], FLOAT32);
  });

  it('is exp(-mean(log-probabilities)) in natural log', () => {
    // exp((0.5 + 1.2 + 2.3 + 0.1) / 4) = exp(1.025).
    assertTensorClose(perplexity(tf.tensor1d([-0.5, -1.2, -2.3, -0.1])), [2.7870954605658502], [], FLOAT32);
    assertTensorClose(perplexity(tf.tensor1d([-2.5])), [12.182493960703473], [], FLOAT32);
    assertTensorClose(perplexity(tf.tensor1d([0, 0, 0])), [1], [], FLOAT32);
  });

  it('leaks no intermediate tensors and refuses batches and empty input', () => {
    const logprobs = tf.tensor1d([-1, -2]);
    assertNoLeak(() => perplexity(logprobs));
    expect(() => perplexity(tf.tensor2d([[-1, -2]]))).toThrow(/shape \(n\)/);
    expect(() => perplexity(tf.tensor1d([]))).toThrow(/empty/);
  });
});
