/**
 * Unit 2: reporting on an image classifier (the course's Lab 1, fastai). Nothing is
 * executed: training needs the Oxford-IIIT Pets download and a GPU the grader does not have.
 * The stored outputs are read instead: fastai's training tables (text/html or text/plain),
 * against which the accuracy the student states is checked.
 */
import { defineAssignment } from '../../src/grading/assignment.js';
import { claimedAccuracy } from '../../src/grading/checks/claimed-metric.js';
import { datasetStated } from '../../src/grading/checks/dataset-stated.js';
import { execution } from '../../src/grading/checks/execution.js';
import { narrative } from '../../src/grading/checks/narrative.js';
import { starterOf } from '../common/paths.js';
import { COURSE_MICRO_HEADINGS } from '../common/standard-checks.js';

const ID = 'u02-classifier-report';

export default defineAssignment({
  id: ID,
  title: 'Unit 2: an image classifier and how to report on it (Lab 1)',
  starterPath: starterOf(ID),
  execute: false,
  checks: [
    narrative({
      points: 4,
      objectives: ['OG-Communication'],
      minMarkdownCells: 3,
      maxCodeCellsInARow: 4,
      microHeadings: COURSE_MICRO_HEADINGS,
      seedNotInNarrative: true,
    }),
    execution({ points: 1, objectives: ['OG-Craft'] }),
    claimedAccuracy({
      points: 2,
      objectives: ['OG-Communication'],
      against: { reportedTable: true },
      sources: ['markdown'],
      // fastai prints 6 decimals; a student rounding to a whole percent is within half a point.
      tolerance: 0.01,
      howToClaim: 'Answer "About how many of those images were classified correctly?" in Markdown with the accuracy the training table implies (1 - error_rate), e.g. "about 98.9%".',
    }),
    datasetStated({ points: 1, objectives: ['OG-Communication'] }),
  ],
});
