/**
 * Assertions for the reference tests: float32 results against float64 expectations.
 * (Kept free of vitest so it typechecks and builds like the rest of reference/.)
 */
import * as tf from '@tensorflow/tfjs';

export interface Tolerance {
  /** Relative to |expected|. */
  rtol: number;
  /** Absolute floor, for expected values at or near 0. */
  atol: number;
}

/**
 * float32 carries about 7 significant digits (epsilon 1.19e-7); a chain of a few rounded
 * operations and short sums stays within a few ulp. rtol 1e-5 leaves room for other
 * backends' exp/log while still catching a 1e-3 relative error (e.g. an inaccurate log1p).
 */
export const FLOAT32: Tolerance = { rtol: 1e-5, atol: 1e-7 };
/** For results whose relative accuracy near 0 is the point of the test. */
export const FLOAT32_RELATIVE: Tolerance = { rtol: 1e-5, atol: 0 };
/** For float64 code (statistics). */
export const FLOAT64: Tolerance = { rtol: 1e-10, atol: 0 };

function close(actual: number, expected: number, tol: Tolerance): boolean {
  if (Number.isNaN(actual) || Number.isNaN(expected)) return false;
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return actual === expected;
  return Math.abs(actual - expected) <= tol.atol + tol.rtol * Math.abs(expected);
}

export function assertNumberClose(actual: number, expected: number, tol: Tolerance): void {
  if (!close(actual, expected, tol)) {
    throw new Error(`expected ${expected} (rtol ${tol.rtol}, atol ${tol.atol}), got ${actual}`);
  }
}

/** Checks the shape exactly and every value (row-major) within the tolerance. */
export function assertTensorClose(actual: tf.Tensor, expected: readonly number[], shape: readonly number[], tol: Tolerance): void {
  if (actual.shape.length !== shape.length || actual.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`expected shape [${shape.join(', ')}], got [${actual.shape.join(', ')}]`);
  }
  const values = Array.from(actual.dataSync() as ArrayLike<number>);
  if (values.length !== expected.length) {
    throw new Error(`expected ${expected.length} values, got ${values.length}`);
  }
  const bad = values.flatMap((v, i) => (close(v, expected[i] ?? Number.NaN, tol) ? [] : [`[${i}] ${v} vs ${expected[i]}`]));
  if (bad.length > 0) {
    throw new Error(`values differ beyond rtol ${tol.rtol}, atol ${tol.atol}: ${bad.join('; ')}`);
  }
}

/**
 * Runs `make` (its inputs created beforehand) and checks it left exactly one new tensor
 * alive, its result, which it then disposes.
 */
export function assertNoLeak(make: () => tf.Tensor): void {
  const before = tf.memory().numTensors;
  const result = make();
  const after = tf.memory().numTensors;
  result.dispose();
  if (after - before !== 1) {
    throw new Error(`expected exactly 1 new tensor (the result), found ${after - before}`);
  }
}
