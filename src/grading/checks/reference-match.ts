import type { Check } from '../assignment.js';
import { functionCheck, type FunctionCheckOptions } from './function-check.js';

export type MatchesReferenceOptions = Omit<FunctionCheckOptions, 'id' | 'fn' | 'reference'>;

/**
 * `<fn>.reference`: the student's function on the grader's inputs equals the reference's
 * output (shape, dtype kind, tolerance: float32 answers pass). Credit per case.
 */
export function matchesReference(fn: string, reference: FunctionCheckOptions['reference'], options: MatchesReferenceOptions): Check {
  return functionCheck({ title: `${fn} matches the reference`, ...options, id: `${fn}.reference`, fn, reference });
}
