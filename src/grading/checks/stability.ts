import type { Check } from '../assignment.js';
import { f64 } from '../inputs.js';
import { finite, functionCheck, sumsToOne, type FailureKind, type FunctionCheckOptions, type TestCase } from './function-check.js';

export type StabilityOptions = Omit<FunctionCheckOptions, 'id' | 'fn' | 'reference' | 'cases'> & { cases?: TestCase[] };

/** Extreme logits: large, very negative, mixed, and the same logits shifted. */
export function extremeLogitCases(): TestCase[] {
  return [
    { label: 'logits around 1e3', inputs: [f64([1000, 1001, 1002, 999])] },
    { label: 'logits around 1e4', inputs: [f64([1e4, 1e4 - 2, 1e4 + 3])] },
    { label: 'logits around -1e4', inputs: [f64([-1e4, -1e4 + 1, -1e4 + 2.5])] },
    { label: 'mixed extreme logits (1e4 and -1e4 in one row)', inputs: [f64([1e4, -1e4, 0, 10])] },
    { label: 'a batch of rows at very different scales', inputs: [f64([[1, 2, 3], [1000, 1000, 999], [-1e4, -1e4, -1e4 + 1]])] },
    { label: 'ordinary logits shifted by 1000', inputs: [f64([1000.5, 1002, 999.25, 1001])] },
  ];
}

/**
 * `<fn>.stability` for softmax-like functions: extreme logits give finite probabilities
 * that sum to 1 and agree with the reference; shifting all logits changes nothing.
 */
export function softmaxStability(fn: string, reference: FunctionCheckOptions['reference'], options: StabilityOptions): Check {
  return functionCheck({
    title: `${fn} is numerically stable`,
    hint: (failed) =>
      overflowSigns(failed)
        ? 'Hint: exp() overflows to inf for logits above about 709 (float64), and inf/inf is NaN. ' +
          'Subtract the largest logit of each row (along the last axis, keeping dims) before exponentiating; ' +
          'the result is mathematically the same.'
        : notAStabilityProblem(fn, ''),
    ...options,
    cases: options.cases ?? extremeLogitCases(),
    properties: [finite, sumsToOne, ...(options.properties ?? [])],
    id: `${fn}.stability`,
    fn,
    reference,
  });
}

/**
 * `<fn>.stability` for losses: on extreme logits the loss stays finite and equals the
 * log-sum-exp reference (a `log(softmax(x))` or `log(sigmoid(x))` implementation fails).
 */
export function lossStability(fn: string, reference: FunctionCheckOptions['reference'], options: Omit<FunctionCheckOptions, 'id' | 'fn' | 'reference'>): Check {
  return functionCheck({
    title: `${fn} is numerically stable`,
    hint: (failed) => {
      if (failed.has('nonfinite')) {
        return 'Hint: softmax or sigmoid of an extreme logit rounds to exactly 0 or 1, and log(0) = -inf. ' +
          'Compute the log-probabilities directly with the log-sum-exp trick ' +
          '(x - max - log(sum(exp(x - max)))) or, for binary losses, max(x, 0) - x*t + log1p(exp(-|x|)).';
      }
      if (failed.has('values') || failed.has('property')) {
        return `Hint: the loss stays finite here, so this is not log(0) or overflow: the values themselves are wrong. ${wrongShapeAdvice(fn)}`;
      }
      return notAStabilityProblem(fn, ` ${wrongShapeAdvice(fn)}`);
    },
    ...options,
    properties: [finite, ...(options.properties ?? [])],
    id: `${fn}.stability`,
    fn,
    reference,
  });
}

/** Non-finite or wrong values: what overflow gives. Shapes and errors point elsewhere. */
function overflowSigns(failed: ReadonlySet<FailureKind>): boolean {
  return failed.has('nonfinite') || failed.has('values') || failed.has('property');
}

function wrongShapeAdvice(fn: string): string {
  return `Check how \`${fn}\` picks each example's true class: a one-hot of the labels must be as wide as the logits' last ` +
    'dimension (`F.one_hot(labels, num_classes=logits.shape[-1])`), or index with `logits[torch.arange(len(labels)), labels]`.';
}

function notAStabilityProblem(fn: string, advice: string): string {
  return `Hint: on these inputs \`${fn}\` raised an error or returned the wrong shape, which is not a numerical-stability ` +
    `problem; fix what its other checks report first.${advice}`;
}
