import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AssignmentDefinition } from './assignment.js';

const versions = new WeakMap<AssignmentDefinition, string>();

/**
 * A hash of what decides a grade: the checks, their points and inputs (hidden data
 * included), the limits and the starter notebook. A regrade is needed when it changes.
 */
export function assignmentVersion(assignment: AssignmentDefinition): string {
  const known = versions.get(assignment);
  if (known) return known;
  const hash = createHash('sha256');
  hash.update(JSON.stringify({
    id: assignment.id,
    execute: assignment.execute,
    gpu: assignment.gpu,
    limits: assignment.limits,
    checks: assignment.checks.map((c) => ({ id: c.id, maxPoints: c.maxPoints, visibility: c.visibility, calls: c.calls() })),
  }));
  if (assignment.starterPath) hash.update(readFileSync(assignment.starterPath));
  const version = hash.digest('hex').slice(0, 16);
  versions.set(assignment, version);
  return version;
}
