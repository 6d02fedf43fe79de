/**
 * The engine of every check that calls a student's function on grader inputs and holds
 * the answer against a reference: `<fn>.reference`, `<fn>.stability`.
 */
import * as tf from '@tensorflow/tfjs';
import type { NdArray } from '../../sandbox/arrays.js';
import type { FunctionCall } from '../../sandbox/protocol.js';
import type { Check, CheckVerdict, CommonCheckOptions, GradingContext } from '../assignment.js';
import { callOutcome, missingFunctionFeedback } from '../call-outcome.js';
import { compareArrays, DEFAULT_TOLERANCE, nonFiniteCount, nonFiniteText, type Expected, type Tolerance } from '../compare.js';
import type { CaseInput, RefArg } from '../inputs.js';

/** A reference function over tensors (and plain numbers for scalar arguments such as t or k). */
export type ReferenceFn = (...args: never[]) => tf.Tensor;

export interface TestCase {
  /** Shown to students: what kind of input this is, never the values. */
  label: string;
  inputs: CaseInput[];
}

/** An extra requirement on an answer; returns a problem, or undefined when it holds. */
export type Property = (actual: NdArray, expected: Expected, testCase: TestCase) => string | undefined;

export interface FunctionCheckOptions extends CommonCheckOptions {
  id: string;
  fn: string;
  /** e.g. `softmax(logits)`, used in feedback. */
  signature: string;
  reference: ReferenceFn;
  cases: TestCase[];
  arrayType?: 'numpy' | 'torch';
  tolerance?: Partial<Tolerance>;
  properties?: Property[];
  /** Added to the feedback when a case fails: what to fix. */
  hint?: string;
}

export function expectedOf(reference: ReferenceFn, testCase: TestCase): Expected {
  // The case's inputs are built for this reference's signature by the assignment definition.
  const call = reference as unknown as (...args: RefArg[]) => tf.Tensor;
  const out = tf.tidy(() => call(...testCase.inputs.map((input) => input.toReference())));
  try {
    const values = Float64Array.from(out.dataSync() as ArrayLike<number>);
    return { shape: [...out.shape], values, kind: out.dtype === 'int32' || out.dtype === 'bool' ? 'int' : 'float' };
  } finally {
    out.dispose();
  }
}

export function functionCheck(options: FunctionCheckOptions): Check {
  const tolerance: Tolerance = { ...DEFAULT_TOLERANCE, ...options.tolerance };
  const callId = (i: number) => `${options.id}#${i}`;
  let expectedCache: Expected[] | undefined;
  const expected = () => (expectedCache ??= options.cases.map((c) => expectedOf(options.reference, c)));

  return {
    id: options.id,
    title: options.title ?? `${options.fn}`,
    maxPoints: options.points,
    visibility: options.visibility ?? 'visible',
    objectives: options.objectives ?? [],
    calls(): FunctionCall[] {
      return options.cases.map((c, i) => ({
        id: callId(i),
        fn: options.fn,
        args: c.inputs.map((input) => input.arg),
        arrayType: options.arrayType ?? 'numpy',
      }));
    },
    grade(ctx: GradingContext): CheckVerdict {
      const failures: string[] = [];
      let passed = 0;
      let missing = 0;
      options.cases.forEach((testCase, i) => {
        const outcome = callOutcome(ctx, callId(i), options.fn);
        if (!outcome.ok) {
          if (outcome.missing) missing++;
          failures.push(`${testCase.label}: ${outcome.reason}`);
          return;
        }
        const want = expected()[i]!;
        const problems: string[] = [];
        const comparison = compareArrays(outcome.value, want, tolerance);
        if (!comparison.ok) problems.push(comparison.reason);
        for (const property of options.properties ?? []) {
          const problem = property(outcome.value, want, testCase);
          if (problem && !problems.includes(problem)) problems.push(problem);
        }
        if (problems.length === 0) passed++;
        else failures.push(`${testCase.label}: ${problems.join('; ')}`);
      });
      const total = options.cases.length;
      if (missing === total) {
        return { points: 0, feedback: missingFunctionFeedback(options.fn, options.signature) };
      }
      const points = total === 0 ? 0 : (options.points * passed) / total;
      if (failures.length === 0) {
        return { points, feedback: `\`${options.signature}\` passed all ${total} test cases.` };
      }
      const lines = [`\`${options.signature}\` passed ${passed} of ${total} test cases.`, ...failures.map((f) => `- ${f}`)];
      if (options.hint) lines.push(options.hint);
      return { points, feedback: lines.join('\n') };
    },
  };
}

/** Every value is finite. */
export const finite: Property = (actual) => {
  const bad = nonFiniteCount(actual.values);
  return bad ? nonFiniteText(bad) : undefined;
};

/** Rows along the last axis sum to one. */
export const sumsToOne: Property = (actual) => {
  const last = actual.shape.at(-1) ?? 1;
  if (last === 0) return undefined;
  for (let start = 0; start < actual.values.length; start += last) {
    let sum = 0;
    for (let j = start; j < start + last; j++) sum += actual.values[j]!;
    if (!(Math.abs(sum - 1) <= 1e-4)) return 'probabilities along the last axis do not sum to 1';
  }
  return undefined;
};
