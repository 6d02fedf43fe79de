/**
 * Seeded generators for hidden test inputs: the same seed gives the same inputs on
 * every machine, so an assignment's version hash is stable.
 */
import { mulberry32 } from '../../reference/index.js';

export interface Rng {
  uniform(lo: number, hi: number): number;
  normal(mean?: number, sd?: number): number;
  int(lo: number, hiExclusive: number): number;
  matrix(rows: number, cols: number, sample: () => number): number[][];
  vector(n: number, sample: () => number): number[];
}

export function seeded(seed: number): Rng {
  const next = mulberry32(seed);
  const rng: Rng = {
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal: (mean = 0, sd = 1) => {
      const u = Math.max(next(), 1e-12);
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo)),
    vector: (n, sample) => Array.from({ length: n }, sample),
    matrix: (rows, cols, sample) => Array.from({ length: rows }, () => rng.vector(cols, sample)),
  };
  return rng;
}

/** Rounds to 4 decimals so the inputs are easy to read in a debugger and exact in JSON. */
export function r4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
