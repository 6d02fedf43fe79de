/**
 * `<fn>.distribution`: a sampling function is tested statistically. For each case the
 * student's `fn(logits, t, n, seed)` draws n token ids; their counts are held against the
 * reference distribution with a chi-square goodness-of-fit test at a fixed significance.
 * The same seed must give the same draws.
 */
import * as tf from '@tensorflow/tfjs';
import { chiSquarePValue, chiSquareStatistic } from '../../../reference/index.js';
import type { FunctionCall } from '../../sandbox/protocol.js';
import type { Check, CheckVerdict, CommonCheckOptions, GradingContext } from '../assignment.js';
import { callOutcome, missingFunctionFeedback } from '../call-outcome.js';
import { f64, float, int } from '../inputs.js';

export interface SamplingCase {
  label: string;
  logits: number[];
  temperature: number;
  n: number;
  seed: number;
}

export interface DistributionOptions extends CommonCheckOptions {
  signature: string;
  /** Reference probabilities for (logits, temperature). */
  probabilities: (logits: tf.Tensor, temperature: number) => tf.Tensor;
  cases: SamplingCase[];
  /** Significance of the chi-square test. @defaultValue 0.001 */
  alpha?: number;
}

/** Merges categories whose expected count is under 5, as the chi-square test requires. */
function pooledCounts(observed: number[], expected: number[]): { observed: number[]; expected: number[] } {
  const o: number[] = [];
  const e: number[] = [];
  let restO = 0;
  let restE = 0;
  expected.forEach((ex, i) => {
    if (ex >= 5) {
      o.push(observed[i]!);
      e.push(ex);
    } else {
      restO += observed[i]!;
      restE += ex;
    }
  });
  if (restE > 0) {
    o.push(restO);
    e.push(restE);
  }
  return { observed: o, expected: e };
}

export function distribution(fn: string, options: DistributionOptions): Check {
  const id = `${fn}.distribution`;
  const alpha = options.alpha ?? 0.001;
  const argsOf = (c: SamplingCase) => [f64(c.logits).arg, float(c.temperature).arg, int(c.n).arg, int(c.seed).arg];

  function gradeCase(ctx: GradingContext, c: SamplingCase, i: number): { ok: boolean; missing: boolean; problem?: string; detail?: string } {
    const first = callOutcome(ctx, `${id}#${i}`, fn);
    if (!first.ok) return { ok: false, missing: first.missing, problem: first.reason, detail: first.detail };
    const draws = first.value;
    const k = c.logits.length;
    if (draws.values.length !== c.n) {
      return { ok: false, missing: false, problem: `returned ${draws.values.length} ids for n=${c.n}; return exactly n token ids` };
    }
    if (draws.values.some((v) => !Number.isInteger(v) || v < 0 || v >= k)) {
      return { ok: false, missing: false, problem: `returned values that are not token ids between 0 and ${k - 1}` };
    }
    const again = callOutcome(ctx, `${id}#${i}r`, fn);
    if (again.ok && again.value.values.some((v, j) => v !== draws.values[j])) {
      return { ok: false, missing: false, problem: 'the same seed gave different draws; seed a generator with it (np.random.default_rng(seed))' };
    }
    const probsTensor = tf.tidy(() => options.probabilities(tf.tensor(c.logits, [k], 'float32'), c.temperature));
    const probs = Array.from(probsTensor.dataSync());
    probsTensor.dispose();
    const observed = new Array<number>(k).fill(0);
    for (const v of draws.values) observed[v]!++;
    const pooled = pooledCounts(observed, probs.map((p) => p * c.n));
    if (pooled.expected.length < 2) {
      const allInMode = observed[probs.indexOf(Math.max(...probs))] === c.n;
      return allInMode
        ? { ok: true, missing: false }
        : { ok: false, missing: false, problem: 'draws are not concentrated on the most likely token as they should be at this temperature' };
    }
    const p = chiSquarePValue(chiSquareStatistic(pooled.observed, pooled.expected), pooled.expected.length - 1);
    if (p < alpha) {
      return {
        ok: false,
        missing: false,
        problem: `the draws do not follow softmax(logits / t) (chi-square test, p = ${p.toExponential(1)} < ${alpha})`,
      };
    }
    return { ok: true, missing: false };
  }

  return {
    id,
    title: options.title ?? `${fn} samples from the right distribution`,
    maxPoints: options.points,
    visibility: options.visibility ?? 'visible',
    objectives: options.objectives ?? [],
    calls(): FunctionCall[] {
      return options.cases.flatMap((c, i) => [
        { id: `${id}#${i}`, fn, args: argsOf(c), arrayType: 'numpy' as const },
        { id: `${id}#${i}r`, fn, args: argsOf(c), arrayType: 'numpy' as const },
      ]);
    },
    grade(ctx: GradingContext): CheckVerdict {
      const results = options.cases.map((c, i) => ({ c, r: gradeCase(ctx, c, i) }));
      if (results.every(({ r }) => r.missing)) return { points: 0, feedback: missingFunctionFeedback(fn, options.signature) };
      const passed = results.filter(({ r }) => r.ok).length;
      const points = (options.points * passed) / options.cases.length;
      const failures = results.filter(({ r }) => !r.ok).map(({ c, r }) => `- ${c.label}: ${r.problem}`);
      const fullFailures = results.filter(({ r }) => !r.ok).map(({ c, r }) => `- ${c.label}: ${r.detail ?? r.problem}`);
      const head = `\`${options.signature}\` passed ${passed} of ${options.cases.length} sampling tests.`;
      const feedback = failures.length ? [head, ...failures].join('\n') : head;
      const full = fullFailures.length ? [head, ...fullFailures].join('\n') : head;
      return { points, feedback, ...(full !== feedback ? { instructorFeedback: full } : {}) };
    },
  };
}
