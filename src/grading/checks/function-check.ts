/**
 * The engine of every check that calls a student's function on grader inputs and holds
 * the answer against a reference: `<fn>.reference`, `<fn>.stability`.
 */
import * as tf from '@tensorflow/tfjs';
import type { NdArray } from '../../sandbox/arrays.js';
import type { FunctionCall } from '../../sandbox/protocol.js';
import type { Check, CheckVerdict, CommonCheckOptions, GradingContext } from '../assignment.js';
import { callOutcome, missingFunctionFeedback } from '../call-outcome.js';
import { compareArrays, DEFAULT_TOLERANCE, nonFiniteCount, nonFiniteText, type Expected, type MismatchKind, type Tolerance } from '../compare.js';
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
  /** Computes the expected values; or give `expectedValues`. */
  reference?: ReferenceFn;
  /** Expected values computed elsewhere (the solution notebook's own function), one per case. */
  expectedValues?: () => Expected[];
  /** Other names accepted for `fn` (e.g. `softmax_stable` for `softmax`). */
  aliases?: string[];
  cases: TestCase[];
  arrayType?: 'numpy' | 'torch';
  tolerance?: Partial<Tolerance>;
  properties?: Property[];
  /**
   * Added to the feedback when a case fails: what to fix. A function chooses by what went
   * wrong, so a hint about overflow is not given for an answer of the wrong shape.
   */
  hint?: string | ((failed: ReadonlySet<FailureKind>) => string | undefined);
}

/** What went wrong in the failed cases: a comparison's mismatch, a call that raised, or a property. */
export type FailureKind = MismatchKind | 'error' | 'property';

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
  const computeExpected = (): Expected[] => {
    if (options.expectedValues) return options.expectedValues();
    const reference = options.reference;
    if (!reference) throw new Error(`check ${options.id}: neither a reference nor expected values`);
    return options.cases.map((c) => expectedOf(reference, c));
  };
  const expected = () => (expectedCache ??= computeExpected());
  const aliases = options.aliases ?? [];

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
        ...(aliases.length ? { aliases } : {}),
        args: c.inputs.map((input) => input.arg),
        arrayType: options.arrayType ?? 'numpy',
      }));
    },
    grade(ctx: GradingContext): CheckVerdict {
      const failures: string[] = [];
      /** The same failures with what only instructors may read (exception messages). */
      const fullFailures: string[] = [];
      let passed = 0;
      let missing = 0;
      const namesUsed = new Set<string>();
      const failed = new Set<FailureKind>();
      options.cases.forEach((testCase, i) => {
        const outcome = callOutcome(ctx, callId(i), options.fn);
        if (!outcome.ok) {
          if (outcome.missing) missing++;
          else failed.add('error');
          failures.push(`${testCase.label}: ${outcome.reason}`);
          fullFailures.push(`${testCase.label}: ${outcome.detail ?? outcome.reason}`);
          return;
        }
        if (outcome.name && outcome.name !== options.fn) namesUsed.add(outcome.name);
        const want = expected()[i]!;
        const problems: string[] = [];
        const scale = Math.max(0, ...testCase.inputs.map((input) => input.magnitude ?? 0));
        const comparison = compareArrays(outcome.value, want, tolerance, scale);
        if (!comparison.ok) {
          problems.push(comparison.reason);
          failed.add(comparison.kind);
        }
        for (const property of options.properties ?? []) {
          const problem = property(outcome.value, want, testCase);
          if (problem && !problems.includes(problem)) {
            problems.push(problem);
            failed.add(property === finite ? 'nonfinite' : 'property');
          }
        }
        if (problems.length === 0) passed++;
        else {
          failures.push(`${testCase.label}: ${problems.join('; ')}`);
          fullFailures.push(`${testCase.label}: ${problems.join('; ')}`);
        }
      });
      const total = options.cases.length;
      if (missing === total) {
        return { points: 0, feedback: missingFunctionFeedback(options.fn, options.signature, aliases) };
      }
      const points = total === 0 ? 0 : (options.points * passed) / total;
      const calledAs = namesUsed.size
        ? [`Graded your \`${[...namesUsed].join('`, `')}\`, accepted in place of \`${options.fn}\`.`]
        : [];
      if (failures.length === 0) {
        return { points, feedback: [`\`${options.signature}\` passed all ${total} test cases.`, ...calledAs].join('\n') };
      }
      const hint = typeof options.hint === 'function' ? options.hint(failed) : options.hint;
      const text = (items: string[]) =>
        [`\`${options.signature}\` passed ${passed} of ${total} test cases.`, ...calledAs, ...items.map((f) => `- ${f}`), ...(hint ? [hint] : [])].join('\n');
      const feedback = text(failures);
      const full = text(fullFailures);
      return { points, feedback, ...(full !== feedback ? { instructorFeedback: full } : {}) };
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
