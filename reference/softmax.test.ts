import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTensorBackend, logSoftmax, ReferenceInputError, softmax, temperatureSoftmax } from './index.js';
import { assertNoLeak, assertTensorClose, FLOAT32 } from './test-support.js';

// Expected values: float64, from numpy (exp(x - max) / sum) or by hand where noted.
beforeAll(async () => {
  await initTensorBackend();
});

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('softmax', () => {
  it('matches float64 values on a vector', () => {
    assertTensorClose(softmax(tf.tensor1d([1, 2, 3])), [0.09003057317038043, 0.24472847105479767, 0.6652409557748218], [3], FLOAT32);
  });

  it('works along the last axis of a batch and of a rank-3 tensor', () => {
    const batch = tf.tensor2d([[1, 2, 3], [0, 0, 0], [-1, 0.5, 2]]);
    assertTensorClose(
      softmax(batch),
      [
        0.09003057317038043, 0.24472847105479767, 0.6652409557748218, 1 / 3, 1 / 3, 1 / 3, 0.03911257327068745,
        0.1752903921400367, 0.7855970345892759,
      ],
      [3, 3],
      FLOAT32,
    );
    const cube = tf.tensor3d([[[0.5, -1, 2]], [[3, 3, -3]]]);
    assertTensorClose(
      softmax(cube),
      [0.1752903921400367, 0.03911257327068745, 0.7855970345892759, 0.49938107903168216, 0.49938107903168216, 0.001237841936635777],
      [2, 1, 3],
      FLOAT32,
    );
  });

  it('stays finite and sums to 1 on extreme logits (1e3, 1e4, -1e4, mixed)', () => {
    // By hand: exp(-1e3) and exp(-2e4) are 0 in float64 too.
    assertTensorClose(softmax(tf.tensor1d([1e3, 0, -1e3])), [1, 0, 0], [3], FLOAT32);
    assertTensorClose(softmax(tf.tensor1d([1e4, 1e4])), [0.5, 0.5], [2], FLOAT32);
    assertTensorClose(softmax(tf.tensor1d([-1e4, -1e4, -1e4, -1e4])), [0.25, 0.25, 0.25, 0.25], [4], FLOAT32);
    // Mixed: only 1e4 and 1e4 - 1 survive: 1 / (1 + e^-1) and e^-1 / (1 + e^-1).
    const mixed = softmax(tf.tensor2d([[1e4, -1e4, 0, 1e4 - 1]]));
    assertTensorClose(mixed, [0.7310585786300049, 0, 0, 0.26894142136999516], [1, 4], FLOAT32);
    const rowSums = values(tf.sum(softmax(tf.tensor2d([[1e4, -1e4, 0], [-1e4, -1e4, -1e4], [1e3, 999, -1e4]])), -1));
    for (const s of rowSums) expect(Math.abs(s - 1)).toBeLessThanOrEqual(2e-7);
  });

  it('is invariant to shifting every logit by the same amount', () => {
    const base = softmax(tf.tensor1d([0.5, 1.5, -2]));
    const shifted = softmax(tf.tensor1d([1000.5, 1001.5, 998]));
    const negShifted = softmax(tf.tensor1d([-9999.5, -9998.5, -10002]));
    assertTensorClose(base, [0.2631324936512964, 0.7152682759694339, 0.021599230379269717], [3], FLOAT32);
    // x - max is exact in float32 for these values, so the outputs are bit-identical.
    expect(values(shifted)).toEqual(values(base));
    expect(values(negShifted)).toEqual(values(base));
  });

  it('accepts int32 logits and leaks no intermediate tensors', () => {
    assertTensorClose(softmax(tf.tensor1d([1, 2, 3], 'int32')), [0.09003057317038043, 0.24472847105479767, 0.6652409557748218], [3], FLOAT32);
    const input = tf.tensor2d([[1, 2], [3, 4]]);
    assertNoLeak(() => softmax(input));
  });

  it('refuses a scalar or an empty last axis', () => {
    expect(() => softmax(tf.scalar(1))).toThrow(ReferenceInputError);
    expect(() => softmax(tf.zeros([2, 0]))).toThrow(/empty last axis/);
  });
});

describe('logSoftmax', () => {
  it('matches float64 values', () => {
    assertTensorClose(logSoftmax(tf.tensor1d([1, 2, 3])), [-2.4076059644443806, -1.4076059644443806, -0.4076059644443806], [3], FLOAT32);
  });

  it('uses log-sum-exp, so extreme logits give finite exact log-probabilities', () => {
    // By hand: log-sum-exp of [1e4, -1e4, 0] is 1e4 (the other terms are below e^-1e4).
    assertTensorClose(logSoftmax(tf.tensor1d([1e4, -1e4, 0])), [0, -2e4, -1e4], [3], FLOAT32);
    assertTensorClose(logSoftmax(tf.tensor1d([1e3, 1e3])), [-Math.LN2, -Math.LN2], [2], FLOAT32);
    assertTensorClose(logSoftmax(tf.tensor2d([[-1e4, -1e4 + 2]])), [-2.1269280110427644, -0.1269280110427644], [1, 2], FLOAT32);
    const input = tf.tensor2d([[1e4, -1e4]]);
    assertNoLeak(() => logSoftmax(input));
  });
});

describe('temperatureSoftmax', () => {
  const logits = [2, 1, 0.5, 0, -1];

  it('is softmax at t = 1 and sharpens or flattens with t', () => {
    expect(values(temperatureSoftmax(tf.tensor1d(logits), 1))).toEqual(values(softmax(tf.tensor1d(logits))));
    assertTensorClose(
      temperatureSoftmax(tf.tensor1d(logits), 0.5),
      [0.8292446440257715, 0.11222605877167184, 0.04128565978579608, 0.015188145450392952, 0.002055491966367801],
      [5],
      FLOAT32,
    );
    assertTensorClose(
      temperatureSoftmax(tf.tensor2d([[1.5, -0.5, 0.25], [0, 2, -2]]), 0.7),
      [0.8162533223380688, 0.04687956628777004, 0.1368671113741612, 0.05414437072009355, 0.9427459762508545, 0.003109653029051861],
      [2, 3],
      FLOAT32,
    );
  });

  it('gives a finite one-hot as t -> 0', () => {
    // (9.5 - 10) / 1e-3 = -500 and exp(-500) is 7e-218: 0 in float32.
    assertTensorClose(temperatureSoftmax(tf.tensor1d([10, 5, 2, 9.5]), 1e-3), [1, 0, 0, 0], [4], FLOAT32);
    assertTensorClose(temperatureSoftmax(tf.tensor2d([[1, 3, 2], [4, 0, -4]]), 1e-4), [0, 1, 0, 1, 0, 0], [2, 3], FLOAT32);
    // Tied maxima share the mass.
    assertTensorClose(temperatureSoftmax(tf.tensor1d([10, 10, 3]), 1e-3), [0.5, 0.5, 0], [3], FLOAT32);
    // Far below where logits / t would overflow float32 (10 / 1e-38 = 1e39).
    assertTensorClose(temperatureSoftmax(tf.tensor1d([10, 5, 2, 9.5]), 1e-38), [1, 0, 0, 0], [4], FLOAT32);
    assertTensorClose(temperatureSoftmax(tf.tensor1d([10, 5]), 1e-45), [1, 0], [2], FLOAT32);
  });

  it('approaches uniform for large t', () => {
    assertTensorClose(
      temperatureSoftmax(tf.tensor1d([10, 5, 2, 9.5]), 1e3),
      [0.25084380601589473, 0.2495927173140037, 0.24884506120696423, 0.2507184154631373],
      [4],
      FLOAT32,
    );
    assertTensorClose(temperatureSoftmax(tf.tensor1d([10, 5, 2, 9.5]), 1e30), [0.25, 0.25, 0.25, 0.25], [4], FLOAT32);
  });

  it('refuses temperatures that are not positive, finite and representable in float32', () => {
    for (const t of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => temperatureSoftmax(tf.tensor1d([1, 2]), t)).toThrow(/temperature must be a finite number > 0/);
    }
    expect(() => temperatureSoftmax(tf.tensor1d([1, 2]), 1e-46)).toThrow(/rounds to 0 in float32/);
  });

  it('leaks no intermediate tensors', () => {
    const input = tf.tensor2d([[1, 2], [3, 4]]);
    assertNoLeak(() => temperatureSoftmax(input, 0.3));
  });
});
