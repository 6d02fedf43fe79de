/**
 * The notebook-level checks every unit's assignment shares, with the course's conventions.
 */
import type { Check } from '../../src/grading/assignment.js';
import { execution } from '../../src/grading/checks/execution.js';
import { narrative } from '../../src/grading/checks/narrative.js';
import { placeholders } from '../../src/grading/checks/placeholders.js';

export interface StandardCheckPoints {
  narrative: number;
  placeholders: number;
  execution: number;
  objectives?: string[];
}

/** The course's micro-headings; answers open with one of them. */
export const COURSE_MICRO_HEADINGS = ['Answer', 'Task', 'Question', 'Exercise', 'Your turn', 'Why', 'Stability', 'accuracy'];

export function standardChecks(points: StandardCheckPoints): Check[] {
  const objectives = points.objectives ?? ['OG-Communication'];
  return [
    narrative({
      points: points.narrative,
      objectives,
      minMarkdownCells: 3,
      maxCodeCellsInARow: 4,
      microHeadings: COURSE_MICRO_HEADINGS,
      requireMicroHeadings: true,
      seedNotInNarrative: true,
    }),
    placeholders({ points: points.placeholders, objectives: ['OG-Craft'] }),
    execution({ points: points.execution, objectives: ['OG-Craft'] }),
  ];
}
