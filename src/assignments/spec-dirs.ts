/**
 * Which folders are assignment folders: those holding an `assignment.yaml`. Reads no spec.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SPEC_FILE } from './spec-file.js';

export function isAssignmentDir(path: string): boolean {
  return existsSync(join(path, SPEC_FILE));
}

/** The assignment folders in `root`: root itself when it holds a spec, else its subfolders that do, sorted. */
export function assignmentDirsIn(root: string): string[] {
  const absolute = resolve(root);
  if (isAssignmentDir(absolute)) return [absolute];
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) return [];
  return readdirSync(absolute, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => join(absolute, entry.name))
    .filter(isAssignmentDir)
    .sort();
}
