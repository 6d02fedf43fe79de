/**
 * Loads assignment folders (an `assignment.yaml` beside its notebooks) at run time: the
 * built-in ones under graders/, those under ASSIGNMENTS_DIR, and one named on the command
 * line. Each folder is compiled once per process.
 */
import { resolve } from 'node:path';
import type { SandboxLimits } from '../config.js';
import type { AssignmentDefinition } from '../grading/assignment.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { compileSpec, type CompiledAssignment } from './compile-spec.js';
import { readSpecDir } from './spec-file.js';

export { assignmentDirsIn, isAssignmentDir } from './spec-dirs.js';

const compiled = new Map<string, CompiledAssignment>();
const byDefinition = new WeakMap<AssignmentDefinition, CompiledAssignment>();

export function loadAssignmentDir(dir: string): CompiledAssignment {
  const absolute = resolve(dir);
  let found = compiled.get(absolute);
  if (!found) {
    found = compileSpec(readSpecDir(absolute));
    compiled.set(absolute, found);
    byDefinition.set(found.definition, found);
  }
  return found;
}

/**
 * Runs the solution notebook for an assignment whose checks take their expected values
 * from it (`reference: solution`) when its cached values are missing or stale; does
 * nothing for any other assignment. Call it once a sandbox is at hand, before grading.
 */
export async function prepareSolutionValues(definition: AssignmentDefinition, sandbox: Sandbox, limits: SandboxLimits): Promise<void> {
  const found = byDefinition.get(definition);
  if (found?.solution.needed && !found.solution.isFresh()) await found.solution.compute(sandbox, limits);
}

/** Forgets compiled folders (after `assign` rewrote one, or in tests). */
export function forgetCompiledAssignments(): void {
  compiled.clear();
}
