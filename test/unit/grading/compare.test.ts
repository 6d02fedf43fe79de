import { describe, expect, it } from 'vitest';
import type { NdArray } from '../../../src/sandbox/arrays.js';
import { compareArrays, type Expected } from '../../../src/grading/compare.js';

const nd = (values: number[], shape: number[], dtype: NdArray['dtype'] = 'float64'): NdArray => ({ dtype, shape, values: Float64Array.from(values) });
const exp = (values: number[], shape: number[], kind: Expected['kind'] = 'float'): Expected => ({ values: Float64Array.from(values), shape, kind });

describe('compareArrays', () => {
  it('accepts float32-precision answers and refuses real errors', () => {
    const want = exp([0.0900306, 0.244728, 0.665241], [3]);
    expect(compareArrays(nd([Math.fround(0.09003057), Math.fround(0.24472847), Math.fround(0.66524096)], [3], 'float32'), want).ok).toBe(true);
    const wrong = compareArrays(nd([0.1, 0.2, 0.7], [3]), want);
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) {
      expect(wrong.reason).toMatch(/3 of 3 values are wrong/);
      expect(wrong.reason).not.toContain('0.0900');
    }
  });

  it('names a shape mismatch without values', () => {
    const r = compareArrays(nd([1, 2, 3], [3]), exp([1, 2, 3, 4, 5, 6], [2, 3]));
    expect(r).toEqual({ ok: false, kind: 'shape', reason: 'returned shape (3,), expected shape (2, 3)' });
  });

  it('allows float32 rounding at the scale of the inputs, and no more', () => {
    // A loss of 2.4076 from logits near -1e4, computed in float32: off by 3.8e-4.
    const want = exp([2.4076059644448833], []);
    const float32 = nd([2.4072265625], [], 'float32');
    expect(compareArrays(float32, want)).toMatchObject({ ok: false, kind: 'values' });
    expect(compareArrays(float32, want, undefined, 1e4)).toEqual({ ok: true });
    expect(compareArrays(nd([2.4176], []), want, undefined, 1e4)).toMatchObject({ ok: false, kind: 'values' });
  });

  it('accepts a scalar answer as a 0-d array or a one-element array', () => {
    expect(compareArrays(nd([2.5], [1]), exp([2.5], [])).ok).toBe(true);
    expect(compareArrays(nd([2.5], []), exp([2.5], [])).ok).toBe(true);
  });

  it('reports NaN and inf as non-finite', () => {
    const r = compareArrays(nd([Number.NaN, 1], [2]), exp([0, 1], [2]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/1 non-finite value/);
  });

  it('requires integer indices where the reference returns indices', () => {
    expect(compareArrays(nd([2, 0, 1], [3], 'float64'), exp([2, 0, 1], [3], 'int')).ok).toBe(false);
    expect(compareArrays(nd([2, 0, 1], [3], 'int64'), exp([2, 0, 1], [3], 'int')).ok).toBe(true);
  });
});
