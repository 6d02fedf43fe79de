import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTensorBackend } from './index.js';
import { firstArgMax, log1pAccurate } from './numerics.js';
import { assertTensorClose, FLOAT32_RELATIVE } from './test-support.js';

beforeAll(async () => {
  await initTensorBackend();
});

describe('log1pAccurate', () => {
  it('keeps float32 relative precision from 1e-30 to 1, where log(1 + u) loses it', () => {
    const u = [1e-30, 1e-10, 3e-8, 6e-8, 1e-7, 2e-7, 1e-5, 1e-3, 0.1, 0.5, 1];
    // Expected: Math.log1p (float64) of the float32 inputs the tensor actually holds.
    const expected = u.map((x) => Math.log1p(Math.fround(x)));
    assertTensorClose(tf.tidy(() => log1pAccurate(tf.tensor1d(u))), expected, [u.length], FLOAT32_RELATIVE);
    expect(tf.tidy(() => log1pAccurate(tf.tensor1d([0])).dataSync()[0])).toBe(0);
  });
});

describe('firstArgMax', () => {
  it('returns the lowest index among tied maxima, on any rank', () => {
    expect(Array.from(tf.tidy(() => firstArgMax(tf.tensor2d([[1, 3, 3], [2, 2, 2], [0, -1, 5]]))).dataSync())).toEqual([1, 0, 2]);
    expect(Array.from(tf.tidy(() => firstArgMax(tf.tensor1d([-4, 7, 7, 7]))).dataSync())).toEqual([1]);
  });
});
