/**
 * `execution`: the notebook as submitted was run top to bottom without errors, and a
 * fresh "Restart and Run All" in the sandbox succeeds. Stored outputs never earn points
 * on their own: a starter ships with the instructor's outputs.
 */
import { analyzeStoredExecution } from '../../notebook/execution.js';
import type { Check, CheckVerdict, CommonCheckOptions, GradingContext } from '../assignment.js';
import { sandboxFailureText } from '../call-outcome.js';
import { capped } from '../feedback-list.js';
import { analyzeFreshRun } from '../fresh-run.js';
import { carriedCells, codeIsStarters } from '../starter-carried.js';

export interface ExecutionOptions extends CommonCheckOptions {
  /** Share of the points kept when the fresh run succeeds but the notebook as submitted was not run cleanly. @defaultValue 0.6 */
  freshRunShare?: number;
}

export function freshRunProblems(ctx: GradingContext): string[] {
  const run = ctx.run;
  if (!run?.response) return [`The fresh run (Restart and Run All) did not finish: ${sandboxFailureText(ctx)}.`];
  // Root causes with what failed because of them folded in; a library the grader lacks is not the student's.
  const problems = analyzeFreshRun(ctx).problems;
  // A harness that could not load the notebook reports no cells: "nothing failed" is not "it ran".
  const codeCells = ctx.notebook.cells.filter((c) => c.cell_type === 'code').length;
  if (run.response.cells.length < codeCells) {
    problems.push(
      `The grader ran ${run.response.cells.length} of the notebook's ${codeCells} code cells, so it did not run top to bottom` +
        (run.response.harnessErrors.length > 0 ? ' (the grader could not run it; your instructor can see why)' : '') +
        '.',
    );
  }
  if (run.response.totalTimeout && !problems.some((p) => p.includes('ran out of time'))) {
    problems.push('The notebook ran past its total time limit.');
  }
  return problems;
}

export function execution(options: ExecutionOptions): Check {
  const freshShare = options.freshRunShare ?? 0.6;
  return {
    id: 'execution',
    title: options.title ?? 'Runs top to bottom (Restart and Run All)',
    maxPoints: options.points,
    visibility: options.visibility ?? 'visible',
    objectives: options.objectives ?? [],
    calls: () => [],
    grade(ctx: GradingContext): CheckVerdict {
      // What the starter carries (cells saved without a count, the instructor's stale counts) is not the student's.
      const analysis = analyzeStoredExecution(ctx.notebook, { carried: carriedCells(ctx.notebook, ctx.starter) });
      const stored = capped(analysis.problems);
      const freshRun = ctx.run ? analyzeFreshRun(ctx) : undefined;
      const warnings = freshRun?.warnings ?? [];
      const excused = new Set(freshRun?.excusedCells ?? []);
      if (codeIsStarters(ctx.notebook, ctx.starter)) {
        // Running the instructor's code unchanged shows nothing of the student's.
        return { points: 0, feedback: "Your notebook's code is the starter's, unchanged: it earns execution points once it runs with your own code in it.", warnings };
      }
      // Without a fresh run, the stored run is all there is to judge (report-only assignments).
      const fresh = ctx.run ? freshRunProblems(ctx) : [];
      let fraction: number;
      if (!ctx.run) fraction = stored.length === 0 ? 1 : 0;
      // Stored outputs prove nothing on their own (starters ship with the instructor's),
      // so a clean stored run earns nothing when the fresh run fails.
      else if (fresh.length > 0) fraction = 0;
      else fraction = stored.length === 0 ? 1 : freshShare;
      const points = options.points * fraction;
      // The cells the feedback names, for pages that show it beside them.
      const cells = [
        ...(ctx.run?.response?.cells ?? []).filter((c) => c.status !== 'ok' && c.status !== 'skipped' && !excused.has(c.index)).map((c) => c.index),
        ...analysis.errors.map((e) => e.cellIndex),
        ...analysis.outOfOrder.map((o) => o.cellIndex),
        ...analysis.unrun.map((u) => u.cellIndex),
      ];
      const lines: string[] = [];
      if (fresh.length) lines.push('Running your notebook fresh, from the top, in the grader:', ...fresh.map((p) => `- ${p}`));
      if (stored.length) lines.push('The notebook as submitted:', ...stored.map((p) => `- ${p}`));
      if (lines.length === 0) return { points, feedback: 'The notebook runs top to bottom without errors.', warnings };
      const anyError = fresh.length > 0 || analysis.errors.length > 0;
      lines.push(`${anyError ? 'Fix the errors, then use' : 'Use'} Kernel > Restart and Run All and save once it has finished, before submitting.`);
      return { points, feedback: lines.join('\n'), cells, warnings };
    },
  };
}
