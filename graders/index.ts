/**
 * The catalogue of assignments: the built-in ones (graders/<id>/assignment.yaml) and those
 * under ASSIGNMENTS_DIR, each compiled from its spec once. An assignment's id is the
 * contract students, the LMS and reports use. For ids, titles and points without loading
 * the checks, use metadata.ts.
 */
import { isAssignmentDir, loadAssignmentDir } from '../src/assignments/load.js';
import { loadConfig } from '../src/config.js';
import { UsageError } from '../src/errors.js';
import type { AssignmentDefinition } from '../src/grading/assignment.js';
import { catalogueDirs } from './catalogue-dirs.js';

let catalogue: readonly AssignmentDefinition[] | undefined;

function load(): readonly AssignmentDefinition[] {
  const all = catalogueDirs(loadConfig().assignmentsDir).map((dir) => loadAssignmentDir(dir).definition);
  const seen = new Set<string>();
  for (const a of all) {
    if (seen.has(a.id)) throw new UsageError('DUPLICATE_ASSIGNMENT', `assignment id ${a.id} is defined twice (built in and in ASSIGNMENTS_DIR, or twice there)`);
    seen.add(a.id);
  }
  return all;
}

export function listAssignments(): readonly AssignmentDefinition[] {
  return (catalogue ??= load());
}

/** An assignment by id, or the folder at a path holding an assignment.yaml (`--assignment ./my-assignment`). */
export function getAssignment(idOrDir: string): AssignmentDefinition {
  const found = listAssignments().find((a) => a.id === idOrDir);
  if (found) return found;
  if (/[\\/.]/.test(idOrDir) && isAssignmentDir(idOrDir)) return loadAssignmentDir(idOrDir).definition;
  throw new UsageError(
    'UNKNOWN_ASSIGNMENT',
    `unknown assignment "${idOrDir}"; known: ${listAssignments().map((a) => a.id).join(', ')} (or give the path of a folder with an assignment.yaml)`,
  );
}
