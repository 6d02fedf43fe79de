/**
 * The catalogue as metadata (ids, titles, max scores, check ids, starters), read from the
 * specs alone: the API process lists assignments without loading TensorFlow.js or the checks.
 */
import { readAssignmentMetadata, type AssignmentMetadata } from '../src/assignments/metadata.js';
import { UsageError } from '../src/errors.js';
import { catalogueDirs } from './catalogue-dirs.js';

/** @param assignmentsDir the configured ASSIGNMENTS_DIR (`config.assignmentsDir`); empty: built-in assignments only. */
export function listAssignmentMetadata(assignmentsDir: string): AssignmentMetadata[] {
  const all = catalogueDirs(assignmentsDir).map(readAssignmentMetadata);
  const seen = new Map<string, string>();
  for (const meta of all) {
    const other = seen.get(meta.id);
    if (other) throw new UsageError('DUPLICATE_ASSIGNMENT', `assignment id ${meta.id} is defined twice: in ${other} and in ${meta.dir}`);
    seen.set(meta.id, meta.dir);
  }
  return all;
}

export type { AssignmentMetadata };
