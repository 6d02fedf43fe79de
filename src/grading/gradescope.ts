/**
 * GradeReport → Gradescope's autograder `results.json`
 * (https://gradescope-autograders.readthedocs.io/en/latest/specs/).
 */
import { z } from 'zod';
import type { GradeReport, Visibility } from './report.js';

export const GradescopeResultsSchema = z.object({
  score: z.number(),
  execution_time: z.number(),
  output: z.string(),
  visibility: z.enum(['hidden', 'after_due_date', 'after_published', 'visible']),
  tests: z.array(z.object({
    name: z.string(),
    number: z.string(),
    score: z.number(),
    max_score: z.number(),
    status: z.enum(['passed', 'failed']),
    output: z.string(),
    visibility: z.enum(['hidden', 'after_due_date', 'after_published', 'visible']),
    tags: z.array(z.string()),
  })),
});
export type GradescopeResults = z.infer<typeof GradescopeResultsSchema>;

const VISIBILITY: Record<Visibility, GradescopeResults['visibility']> = {
  visible: 'visible',
  hidden: 'hidden',
  after_due: 'after_due_date',
};

export function toGradescope(report: GradeReport): GradescopeResults {
  return GradescopeResultsSchema.parse({
    score: report.score,
    execution_time: Math.round(report.timings.totalMs / 1000),
    output: report.gradable ? report.errors.join('\n') : `This submission could not be graded: ${report.errors.join(' ')}`,
    visibility: 'visible',
    tests: report.checks.map((c, i) => ({
      name: c.title,
      number: `${i + 1}`,
      score: c.points,
      max_score: c.maxPoints,
      status: c.status === 'passed' ? 'passed' : 'failed',
      output: c.feedback,
      visibility: VISIBILITY[c.visibility],
      tags: [c.id, ...c.objectives],
    })),
  });
}
