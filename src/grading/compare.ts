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

export type Comparison = { ok: true } | { ok: false; reason: string };

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

export function compareArrays(actual: NdArray, expected: Expected, tol: Tolerance = DEFAULT_TOLERANCE): Comparison {
  if (!sameShape(actual.shape, expected.shape)) {
    return { ok: false, reason: `returned shape ${shapeText(actual.shape)}, expected shape ${shapeText(expected.shape)}` };
  }
  if (expected.kind === 'int' && !INT_DTYPES.has(actual.dtype)) {
    return { ok: false, reason: `returned ${actual.dtype} values; integer indices are expected` };
  }
  if (expected.kind === 'float' && !FLOAT_DTYPES.has(actual.dtype) && !INT_DTYPES.has(actual.dtype)) {
    return { ok: false, reason: `returned ${actual.dtype} values; floating-point values are expected` };
  }
  const bad = nonFiniteCount(actual.values);
  const expectedBad = nonFiniteCount(expected.values);
  if (bad > expectedBad) {
    return { ok: false, reason: nonFiniteText(bad) };
  }
  let worst = 0;
  let wrong = 0;
  for (let i = 0; i < expected.values.length; i++) {
    const e = expected.values[i]!;
    const a = actual.values[i]!;
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const err = Math.abs(a - e);
    if (!(err <= tol.atol + tol.rtol * Math.abs(e))) {
      wrong++;
      worst = Math.max(worst, Number.isFinite(err) ? err / Math.max(Math.abs(e), 1e-12) : Number.POSITIVE_INFINITY);
    }
  }
  if (wrong > 0) {
    const rel = Number.isFinite(worst) ? worst.toExponential(1) : 'inf';
    return { ok: false, reason: `${wrong} of ${expected.values.length} values are wrong (largest relative error ${rel})` };
  }
  return { ok: true };
}
