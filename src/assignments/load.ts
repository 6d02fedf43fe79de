/**
 * Loads assignment folders (an `assignment.yaml` beside its notebooks) at run time: the
 * built-in ones under graders/, those under ASSIGNMENTS_DIR, and one named on the command
 * line. Each folder is compiled once per process.
 */
import { resolve } from 'node:path';
import { compileSpec, type CompiledAssignment } from './compile-spec.js';
import { readSpecDir } from './spec-file.js';

export { assignmentDirsIn, isAssignmentDir } from './spec-dirs.js';

const compiled = new Map<string, CompiledAssignment>();

export function loadAssignmentDir(dir: string): CompiledAssignment {
  const absolute = resolve(dir);
  let found = compiled.get(absolute);
  if (!found) {
    found = compileSpec(readSpecDir(absolute));
    compiled.set(absolute, found);
  }
  return found;
}

/** Forgets compiled folders (after `assign` rewrote one, or in tests). */
export function forgetCompiledAssignments(): void {
  compiled.clear();
}
