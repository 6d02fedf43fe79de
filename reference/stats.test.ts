import { describe, expect, it } from 'vitest';
import {
  chiSquarePValue,
  chiSquareStatistic,
  logGamma,
  mulberry32,
  ReferenceInputError,
  regularizedUpperGamma,
  sampleCategorical,
} from './index.js';
import { assertNumberClose, FLOAT64 } from './test-support.js';

// Expected values: scipy.stats.chi2.sf / scipy.special (float64), closed forms, or tables.

describe('chiSquarePValue', () => {
  it('agrees with the textbook table at the 5% and 1% critical values', () => {
    const table = { rtol: 0, atol: 5e-4 };
    assertNumberClose(chiSquarePValue(3.841, 1), 0.05, table);
    assertNumberClose(chiSquarePValue(11.07, 5), 0.05, table);
    assertNumberClose(chiSquarePValue(18.307, 10), 0.05, table);
    assertNumberClose(chiSquarePValue(6.635, 1), 0.01, table);
  });

  it('agrees with scipy to 1e-10 relative, deep in both tails', () => {
    const cases: [number, number, number][] = [
      [3.841, 1, 0.050013683763956804],
      [11.07, 5, 0.050009618622405425],
      [18.307, 10, 0.05000058909139812],
      [200, 150, 0.003973185970821635],
      [50, 3, 7.989179244951495e-11],
      [1000, 900, 0.010994608942135844],
      [3000, 2000, 2.204698611389594e-43],
      [1e-8, 1, 0.9999202115440526],
    ];
    for (const [statistic, df, p] of cases) assertNumberClose(chiSquarePValue(statistic, df), p, FLOAT64);
  });

  it('matches the closed forms for 1 and 2 degrees of freedom', () => {
    // df = 2: p = exp(-x/2). df = 1 at x = 0: p = 1.
    assertNumberClose(chiSquarePValue(100, 2), Math.exp(-50), FLOAT64);
    assertNumberClose(chiSquarePValue(3, 2), Math.exp(-1.5), FLOAT64);
    expect(chiSquarePValue(0, 1)).toBe(1);
    expect(chiSquarePValue(Number.POSITIVE_INFINITY, 4)).toBe(0);
  });

  it('refuses a negative statistic or non-positive degrees of freedom', () => {
    expect(() => chiSquarePValue(-1, 2)).toThrow(ReferenceInputError);
    expect(() => chiSquarePValue(Number.NaN, 2)).toThrow(/statistic/);
    expect(() => chiSquarePValue(1, 0)).toThrow(/degrees of freedom/);
  });
});

describe('regularizedUpperGamma and logGamma', () => {
  it('match scipy and closed forms', () => {
    assertNumberClose(regularizedUpperGamma(2.5, 1.7), 0.6385699231037951, FLOAT64);
    assertNumberClose(regularizedUpperGamma(30, 12), 0.9999911298612009, FLOAT64);
    assertNumberClose(regularizedUpperGamma(0.5, 40), 3.744097384202887e-19, FLOAT64);
    assertNumberClose(regularizedUpperGamma(1, 3), Math.exp(-3), FLOAT64);
    assertNumberClose(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), FLOAT64);
    assertNumberClose(logGamma(10), Math.log(362880), FLOAT64);
    assertNumberClose(logGamma(100.5), 361.43554046777757, FLOAT64);
    assertNumberClose(logGamma(0.1), 2.252712651734206, FLOAT64);
    expect(Math.abs(logGamma(1))).toBeLessThan(1e-14);
    expect(Math.abs(logGamma(2))).toBeLessThan(1e-14);
  });
});

describe('chiSquareStatistic', () => {
  it("is Pearson's sum of (o - e)^2 / e", () => {
    // 100/20 + 0 + 100/20.
    expect(chiSquareStatistic([10, 20, 30], [20, 20, 20])).toBe(10);
    assertNumberClose(chiSquareStatistic(new Float64Array([48, 35, 17]), [50, 30, 20]), 4 / 50 + 25 / 30 + 9 / 20, FLOAT64);
  });

  it('refuses mismatched lengths, empty input, negative counts and zero expected counts', () => {
    expect(() => chiSquareStatistic([1, 2], [1])).toThrow(/2 observed counts but 1 expected/);
    expect(() => chiSquareStatistic([], [])).toThrow(/no categories/);
    expect(() => chiSquareStatistic([-1, 2], [1, 2])).toThrow(/observed count -1/);
    expect(() => chiSquareStatistic([0, 2], [0, 2])).toThrow(/merge categories/);
  });
});

describe('mulberry32', () => {
  it('reproduces the reference algorithm bit for bit', () => {
    // From an independent Python implementation of mulberry32 with 32-bit masking.
    const expected: Record<number, number[]> = {
      42: [0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693, 0.17481389874592423],
      0: [0.26642920868471265, 0.0003297457005828619, 0.2232720274478197, 0.1462021479383111, 0.46732782293111086],
      [-1]: [0.8964226141106337, 0.189478256739676, 0.7156526781618595, 0.9440599093213677, 0.8452364315744489],
    };
    for (const [seed, values] of Object.entries(expected)) {
      const next = mulberry32(Number(seed));
      expect(values.map(() => next())).toEqual(values);
    }
  });

  it('repeats for a seed, differs between seeds, and stays in [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const seqA = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(seqA);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(seqA);
    for (const x of seqA) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it('refuses a non-integer seed', () => {
    expect(() => mulberry32(1.5)).toThrow(/integer/);
  });
});

describe('sampleCategorical', () => {
  it('draws each category in proportion to its probability (chi-square at 0.1%)', () => {
    const probs = [0.1, 0.2, 0.3, 0.4];
    const n = 20_000;
    const draws = sampleCategorical(probs, n, mulberry32(2024));
    expect(draws).toHaveLength(n);
    const observed = probs.map((_, k) => draws.filter((d) => d === k).length);
    const p = chiSquarePValue(chiSquareStatistic(observed, probs.map((q) => q * n)), probs.length - 1);
    expect(p).toBeGreaterThan(0.001);
  });

  it('never draws a category of probability 0 and is reproducible for a seed', () => {
    const probs = [0, 0.5, 0, 0.5, 0];
    const draws = sampleCategorical(probs, 5000, mulberry32(3));
    expect(new Set(draws)).toEqual(new Set([1, 3]));
    expect(sampleCategorical(probs, 5000, mulberry32(3))).toEqual(draws);
    // A random source returning its largest possible value still lands on a possible category.
    expect(sampleCategorical(probs, 1, () => 1 - 2 ** -53)).toEqual([3]);
    expect(sampleCategorical([1], 3, mulberry32(1))).toEqual([0, 0, 0]);
  });

  it('refuses probabilities that are negative or do not sum to 1, and a bad n or random source', () => {
    expect(() => sampleCategorical([0.5, 0.6], 1, mulberry32(1))).toThrow(/sum to 1.1/);
    expect(() => sampleCategorical([-0.5, 1.5], 1, mulberry32(1))).toThrow(/probability -0.5/);
    expect(() => sampleCategorical([1], -1, mulberry32(1))).toThrow(/n must be/);
    expect(() => sampleCategorical([1], 1, () => 1)).toThrow(/outside \[0, 1\)/);
  });
});
