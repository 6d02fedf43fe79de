/**
 * Comparison of a student's returned array with the reference's. Messages describe the
 * difference (shape, kind, largest error) and never the expected values.
 */
import type { NdArray } from '../sandbox/arrays.js';
import { shapeText } from './inputs.js';

export interface Expected {
  shape: number[];
  values: Float64Array;
  kind: 'float' | 'int';
}

export interface Tolerance {
  /** @defaultValue 1e-4: float32 answers pass. */
  rtol: number;
  /** @defaultValue 1e-6 */
  atol: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-4, atol: 1e-6 };

/** What is wrong with an answer, so feedback can say what kind of fix it needs. */
export type MismatchKind = 'shape' | 'dtype' | 'nonfinite' | 'values';

export type Comparison = { ok: true } | { ok: false; reason: string; kind: MismatchKind };

/** float32's machine epsilon: the relative spacing of float32 numbers. */
export const FLOAT32_EPSILON = 2 ** -23;

const FLOAT_DTYPES = new Set(['float64', 'float32', 'float16']);
const INT_DTYPES = new Set(['int64', 'int32', 'int16', 'int8', 'uint8']);

function sameShape(actual: readonly number[], expected: readonly number[]): boolean {
  // A scalar answer may come back as a 0-d array, a 1-element list or a (1,) tensor.
  if (expected.length === 0) return actual.reduce((a, b) => a * b, 1) === 1;
  return actual.length === expected.length && actual.every((d, i) => d === expected[i]);
}

export function nonFiniteCount(values: Float64Array): number {
  let n = 0;
  for (const v of values) if (!Number.isFinite(v)) n++;
  return n;
}

export function nonFiniteText(count: number): string {
  return `returned ${count} non-finite value${count === 1 ? '' : 's'} (NaN or ±inf)`;
}

/**
 * `inputScale` is the largest |value| among the case's float inputs. A result computed
 * from inputs of magnitude M in float32 (PyTorch's default dtype, and the TF.js
 * reference's) is only defined to about FLOAT32_EPSILON × M: log-sum-exp of logits near
 * -1e4 rounds at float32's spacing near 1e4. That much absolute error is allowed on top of
 * the tolerance, so "right to float32 precision" holds for extreme inputs too.
 */
export function compareArrays(actual: NdArray, expected: Expected, tol: Tolerance = DEFAULT_TOLERANCE, inputScale = 0): Comparison {
  if (!sameShape(actual.shape, expected.shape)) {
    return { ok: false, kind: 'shape', reason: `returned shape ${shapeText(actual.shape)}, expected shape ${shapeText(expected.shape)}` };
  }
  if (expected.kind === 'int' && !INT_DTYPES.has(actual.dtype)) {
    return { ok: false, kind: 'dtype', reason: `returned ${actual.dtype} values; integer indices are expected` };
  }
  if (expected.kind === 'float' && !FLOAT_DTYPES.has(actual.dtype) && !INT_DTYPES.has(actual.dtype)) {
    return { ok: false, kind: 'dtype', reason: `returned ${actual.dtype} values; floating-point values are expected` };
  }
  const bad = nonFiniteCount(actual.values);
  const expectedBad = nonFiniteCount(expected.values);
  if (bad > expectedBad) {
    return { ok: false, kind: 'nonfinite', reason: nonFiniteText(bad) };
  }
  const slack = FLOAT32_EPSILON * Math.abs(inputScale);
  let worst = 0;
  let wrong = 0;
  for (let i = 0; i < expected.values.length; i++) {
    const e = expected.values[i]!;
    const a = actual.values[i]!;
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const err = Math.abs(a - e);
    if (!(err <= tol.atol + slack + tol.rtol * Math.abs(e))) {
      wrong++;
      worst = Math.max(worst, Number.isFinite(err) ? err / Math.max(Math.abs(e), 1e-12) : Number.POSITIVE_INFINITY);
    }
  }
  if (wrong > 0) {
    const rel = Number.isFinite(worst) ? worst.toExponential(1) : 'inf';
    return { ok: false, kind: 'values', reason: `${wrong} of ${expected.values.length} values are wrong (largest relative error ${rel})` };
  }
  return { ok: true };
}
