/**
 * Plain-number statistics for the distribution check (sampling functions tested against the
 * reference distribution) and a seeded generator for test inputs. float64 throughout.
 */
import { ReferenceInputError, ReferenceLibraryError } from './errors.js';

/**
 * Pearson's statistic sum((observed - expected)^2 / expected) over categories.
 * Every expected count must be > 0: merge rare categories first (the chi-square
 * approximation also wants expected counts of about 5 or more).
 */
export function chiSquareStatistic(observed: ArrayLike<number>, expected: ArrayLike<number>): number {
  const fn = 'chiSquareStatistic';
  if (observed.length !== expected.length) {
    throw new ReferenceInputError(`${fn}: ${observed.length} observed counts but ${expected.length} expected counts`);
  }
  if (observed.length === 0) throw new ReferenceInputError(`${fn}: no categories`);
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const o = observed[i] ?? Number.NaN;
    const e = expected[i] ?? Number.NaN;
    if (!Number.isFinite(o) || o < 0) {
      throw new ReferenceInputError(`${fn}: observed count ${o} at category ${i} is not a finite number >= 0`);
    }
    if (!Number.isFinite(e) || e <= 0) {
      throw new ReferenceInputError(
        `${fn}: expected count ${e} at category ${i} must be finite and > 0; merge categories with expected count 0`,
      );
    }
    statistic += ((o - e) * (o - e)) / e;
  }
  return statistic;
}

/**
 * P(X >= statistic) for X ~ chi-square with `degreesOfFreedom`, i.e. Q(df / 2, statistic / 2),
 * the regularised upper incomplete gamma function.
 */
export function chiSquarePValue(statistic: number, degreesOfFreedom: number): number {
  const fn = 'chiSquarePValue';
  if (!Number.isFinite(degreesOfFreedom) || degreesOfFreedom <= 0) {
    throw new ReferenceInputError(`${fn}: degrees of freedom must be a finite number > 0, got ${degreesOfFreedom}`);
  }
  if (Number.isNaN(statistic) || statistic < 0) {
    throw new ReferenceInputError(`${fn}: statistic must be >= 0, got ${statistic}`);
  }
  if (statistic === Number.POSITIVE_INFINITY) return 0;
  return regularizedUpperGamma(degreesOfFreedom / 2, statistic / 2);
}

const MAX_ITERATIONS = 100_000;
const RELATIVE_EPSILON = 1e-15;
const TINY = 1e-300;

/**
 * Q(a, x) = Γ(a, x) / Γ(a) for a > 0, x >= 0 (Numerical Recipes, "gammq"): the series for
 * P(a, x) when x < a + 1, where it converges fast, else Lentz's continued fraction for Q.
 */
export function regularizedUpperGamma(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) {
    throw new ReferenceInputError(`regularizedUpperGamma: needs a > 0 and x >= 0, got a = ${a}, x = ${x}`);
  }
  if (x === 0) return 1;
  if (x < a + 1) return 1 - lowerGammaSeries(a, x);
  return upperGammaContinuedFraction(a, x);
}

/** x^a e^-x / Γ(a), the factor both expansions share, through logs so it cannot overflow. */
function gammaPrefactor(a: number, x: number): number {
  return Math.exp(a * Math.log(x) - x - logGamma(a));
}

function lowerGammaSeries(a: number, x: number): number {
  let denominator = a;
  let term = 1 / a;
  let sum = term;
  for (let n = 0; n < MAX_ITERATIONS; n++) {
    denominator += 1;
    term *= x / denominator;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * RELATIVE_EPSILON) return sum * gammaPrefactor(a, x);
  }
  throw new ReferenceLibraryError(
    'grader',
    'REFERENCE_NO_CONVERGENCE',
    `regularizedUpperGamma: series did not converge for a = ${a}, x = ${x}`,
  );
}

function upperGammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < RELATIVE_EPSILON) return h * gammaPrefactor(a, x);
  }
  throw new ReferenceLibraryError(
    'grader',
    'REFERENCE_NO_CONVERGENCE',
    `regularizedUpperGamma: continued fraction did not converge for a = ${a}, x = ${x}`,
  );
}

const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;

/** log Γ(x) for x > 0 (Lanczos, g = 7, about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection: Γ(x) Γ(1 - x) = π / sin(πx).
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let series: number = LANCZOS_COEFFICIENTS[0];
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) {
    series += (LANCZOS_COEFFICIENTS[i] ?? 0) / (z + i);
  }
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(series);
}

/** A uniform random number in [0, 1). */
export type RandomSource = () => number;

/**
 * mulberry32: a small, fast 32-bit seeded generator (Tommy Ettinger), good enough for test
 * inputs and sampling checks, not for anything secret. Same seed, same sequence, on every
 * platform. The seed is an integer, taken modulo 2^32.
 */
export function mulberry32(seed: number): RandomSource {
  if (!Number.isInteger(seed)) {
    throw new ReferenceInputError(`mulberry32: seed must be an integer, got ${seed}`);
  }
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` category indices drawn independently from `probs` (non-negative, summing to 1 within
 * 1e-5, so float32 softmax output is accepted) by inverting the cumulative distribution;
 * categories of probability 0 never appear.
 */
export function sampleCategorical(probs: ArrayLike<number>, n: number, rng: RandomSource): number[] {
  const fn = 'sampleCategorical';
  if (!Number.isInteger(n) || n < 0) throw new ReferenceInputError(`${fn}: n must be an integer >= 0, got ${n}`);
  if (probs.length === 0) throw new ReferenceInputError(`${fn}: no categories`);
  const cumulative: number[] = [];
  let total = 0;
  let lastPossible = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] ?? Number.NaN;
    if (!Number.isFinite(p) || p < 0) {
      throw new ReferenceInputError(`${fn}: probability ${p} at category ${i} is not a finite number >= 0`);
    }
    total += p;
    cumulative.push(total);
    if (p > 0) lastPossible = i;
  }
  if (Math.abs(total - 1) > 1e-5) {
    throw new ReferenceInputError(`${fn}: probabilities sum to ${total}, not 1`);
  }
  const samples: number[] = [];
  for (let s = 0; s < n; s++) {
    const r = rng();
    if (!(r >= 0 && r < 1)) throw new ReferenceInputError(`${fn}: the random source returned ${r}, outside [0, 1)`);
    const u = r * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] ?? total) > u) hi = mid;
      else lo = mid + 1;
    }
    // r * total can round up to total when r is within 2^-53 of 1; never pick a zero tail then.
    samples.push(Math.min(lo, lastPossible));
  }
  return samples;
}
