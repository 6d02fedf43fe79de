import { describe, expect, it } from 'vitest';
import { studentReport } from '../../../src/api/report-view.js';
import { penalised } from '../../../src/api/deadlines.js';
import type { GradeReport } from '../../../src/grading/report.js';
import { clampPoints, formatPoints, maxScoreOf, objectiveTotals, penalisedScore, roundPoints, sameScore, totalPoints } from '../../../src/grading/score.js';

function report(points: number[], maxPoints: number[]): GradeReport {
  const checks = points.map((p, i) => ({
    id: `c${i}`,
    title: `check ${i}`,
    points: p,
    maxPoints: maxPoints[i]!,
    status: 'partial' as const,
    feedback: '',
    visibility: 'visible' as const,
    objectives: ['O1'],
  }));
  return {
    schemaVersion: 1,
    assignment: { id: 'a', version: 'v' },
    submission: { id: 's', file: 'n.ipynb' },
    gradable: true,
    score: totalPoints(checks),
    maxScore: maxScoreOf(checks),
    checks,
    objectives: objectiveTotals(checks),
    errors: [],
    timings: { totalMs: 0, sandboxMs: 0 },
    environment: { sandbox: 'none', tensorBackend: 'cpu', graderVersion: 'x' },
  };
}

describe('score arithmetic', () => {
  it('rounds every total to thousandths, the same way in every place', () => {
    expect(roundPoints(0.1 + 0.2)).toBe(0.3);
    expect(totalPoints([{ points: 1 / 3 }, { points: 1 / 3 }, { points: 1 / 3 }])).toBe(1);
    expect(maxScoreOf([{ maxPoints: 0.1 }, { maxPoints: 0.2 }])).toBe(0.3);
    expect(clampPoints(-2, 3)).toBe(0);
    expect(Object.is(clampPoints(-0.0001, 3), 0)).toBe(true);
    expect(clampPoints(7, 3)).toBe(3);
    expect(clampPoints(2 / 3, 3)).toBe(0.667);
  });

  it('the student view and the late penalty round as the grader does (they used 1e-6 while the grader used 1e-3)', () => {
    const r = report([2 / 3, 2 / 3], [1, 1]);
    const view = studentReport({ ...r, checks: r.checks.map((c) => ({ ...c, points: 2 / 3 })) }, null, new Date());
    expect(view.score).toBe(1.333);
    expect(view.objectives).toEqual([{ id: 'O1', points: 1.333, maxPoints: 2 }]);
    expect(penalised(10 / 3, 10)).toBe(3);
    expect(penalisedScore(1, 200)).toBe(0);
  });

  it('sums objectives across checks, sorted by id', () => {
    expect(
      objectiveTotals([
        { points: 1, maxPoints: 2, objectives: ['B', 'A'] },
        { points: 0.5, maxPoints: 1, objectives: ['A'] },
      ]),
    ).toEqual([
      { id: 'A', points: 1.5, maxPoints: 3 },
      { id: 'B', points: 1, maxPoints: 2 },
    ]);
  });

  it('compares totals with half a thousandth of slack and formats points for people', () => {
    expect(sameScore(1.0004, 1)).toBe(true);
    expect(sameScore(1.001, 1)).toBe(false);
    expect(formatPoints(1 / 3)).toBe('0.33');
    expect(formatPoints(2)).toBe('2');
  });
});
