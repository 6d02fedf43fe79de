/**
 * Where the catalogue's assignment folders are: the built-in ones under graders/, then the
 * folders under ASSIGNMENTS_DIR (config key `assignmentsDir`). Reads no spec and imports no
 * check, so both the full catalogue (index.ts) and the metadata listing (metadata.ts) share it.
 */
import { assignmentDirsIn } from '../src/assignments/spec-dirs.js';
import { graderDir } from './common/paths.js';

export const BUILT_IN_ASSIGNMENTS = ['u02-classifier-report', 'u05-softmax', 'u05-classifier', 'u05-digits', 'u06-heads', 'u07-embeddings', 'u08-sampling'] as const;

/** @param assignmentsDir the configured ASSIGNMENTS_DIR; empty: built-in assignments only. */
export function catalogueDirs(assignmentsDir: string): string[] {
  const builtIn = BUILT_IN_ASSIGNMENTS.map(graderDir);
  return assignmentsDir ? [...builtIn, ...assignmentDirsIn(assignmentsDir)] : builtIn;
}
