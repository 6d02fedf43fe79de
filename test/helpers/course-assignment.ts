/**
 * The course's "Softmax, part 1" (test/fixtures/course/u05n1-softmax*.ipynb) as an
 * assignment: its own starter, the standard notebook checks and its `softmax` on 1-D
 * PyTorch tensors (the course's solution sums without an axis, so 1-D is its contract).
 */
import { resolve } from 'node:path';
import * as reference from '../../reference/index.js';
import { standardChecks } from '../../graders/common/standard-checks.js';
import { defineAssignment, type AssignmentDefinition } from '../../src/grading/assignment.js';
import { matchesReference } from '../../src/grading/checks/reference-match.js';
import { f64 } from '../../src/grading/inputs.js';
import { COURSE_DIR } from './notebooks.js';

export function courseFixture(name: string): string {
  return resolve(COURSE_DIR, name);
}

export function courseSoftmaxAssignment(): AssignmentDefinition {
  return defineAssignment({
    id: 'u05n1-softmax',
    title: 'Softmax, part 1',
    starterPath: courseFixture('u05n1-softmax.ipynb'),
    checks: [
      ...standardChecks({ narrative: 2, placeholders: 1, execution: 1 }),
      matchesReference('softmax', reference.softmax, {
        signature: 'softmax(xx)',
        cases: [
          { label: 'a 1-D tensor of 3 logits', inputs: [f64([1, 2, 3])] },
          { label: 'a 1-D tensor of equal logits', inputs: [f64([0.5, 0.5, 0.5, 0.5])] },
          { label: 'a 1-D tensor of mixed logits', inputs: [f64([-1.5, 0, 2.25, 0.75, -3])] },
        ],
        arrayType: 'torch',
        points: 3,
        objectives: ['TM-Softmax'],
      }),
    ],
  });
}
