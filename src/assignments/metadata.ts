/**
 * What the catalogue shows of an assignment (id, title, max score, check ids, starter),
 * read from its spec alone: no TensorFlow.js, no check implementations, so the API process
 * can list assignments cheaply.
 */
import { existsSync } from 'node:fs';
import { readSpecDir, type SpecSource } from './spec-file.js';
import { isFunctionCheck, kindEntryCheckId, notebookCheckOutline, type CheckOutline } from './spec-schema.js';

export interface AssignmentMetadata {
  id: string;
  title: string;
  maxScore: number;
  checks: CheckOutline[];
  /** Absolute path of the starter notebook, when the spec names one. */
  starterPath: string | undefined;
  /** The folder the spec came from. */
  dir: string;
}

/** Check ids and points in the order the compiled assignment has them; duplicate ids are refused here. */
export function checkOutline(source: SpecSource): CheckOutline[] {
  const outline: CheckOutline[] = notebookCheckOutline(source.spec.notebook);
  source.entries.forEach((entry) => {
    if (isFunctionCheck(entry)) {
      const fn = entry;
      outline.push({ id: `${fn.function}.reference`, maxPoints: fn.points });
      if (fn.stability) outline.push({ id: `${fn.function}.stability`, maxPoints: fn.stability.points });
    } else {
      outline.push({ id: kindEntryCheckId(entry), maxPoints: entry.points });
    }
  });
  const seen = new Set<string>();
  outline.forEach((check) => {
    if (seen.has(check.id)) {
      const index = source.entries.findIndex((e) => 'function' in e && check.id.startsWith(`${e.function}.`));
      throw source.errorAt(index >= 0 ? ['checks', index] : ['checks'], `check id ${check.id} appears twice; each check id must be unique`);
    }
    seen.add(check.id);
  });
  return outline;
}

export function maxScoreOf(checks: readonly { maxPoints: number }[]): number {
  return Math.round(checks.reduce((sum, c) => sum + c.maxPoints, 0) * 1000) / 1000;
}

export function metadataOf(source: SpecSource): AssignmentMetadata {
  const checks = checkOutline(source);
  const starterPath = source.spec.starter ? source.resolvePath(source.spec.starter) : undefined;
  if (starterPath && !existsSync(starterPath)) throw source.errorAt(['starter'], `the starter notebook ${starterPath} does not exist`);
  return { id: source.spec.id, title: source.spec.title, maxScore: maxScoreOf(checks), checks, starterPath, dir: source.dir };
}

export function readAssignmentMetadata(dir: string): AssignmentMetadata {
  return metadataOf(readSpecDir(dir));
}
