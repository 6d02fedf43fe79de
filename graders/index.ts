/**
 * The catalogue of built-in assignments. An assignment's id is the contract students,
 * the LMS and reports use.
 */
import { UsageError } from '../src/errors.js';
import type { AssignmentDefinition } from '../src/grading/assignment.js';
import u05Softmax from './u05-softmax/index.js';
import u06Heads from './u06-heads/index.js';
import u07Embeddings from './u07-embeddings/index.js';
import u08Sampling from './u08-sampling/index.js';

const ALL: readonly AssignmentDefinition[] = [u05Softmax, u06Heads, u07Embeddings, u08Sampling];

export function listAssignments(): readonly AssignmentDefinition[] {
  return ALL;
}

export function getAssignment(id: string): AssignmentDefinition {
  const found = ALL.find((a) => a.id === id);
  if (!found) {
    throw new UsageError('UNKNOWN_ASSIGNMENT', `unknown assignment "${id}"; known: ${ALL.map((a) => a.id).join(', ')}`);
  }
  return found;
}
