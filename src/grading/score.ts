/**
 * Score arithmetic, written once: the grader, the API's recomputation of worker results,
 * the student view, late penalties and the catalogue all add and round points here, so
 * a total cannot differ by where it was computed.
 */

/** Points are kept to three decimals (thousandths of a point): finer is noise, coarser loses partial credit. */
export const POINT_DECIMALS = 3;
const SCALE = 10 ** POINT_DECIMALS;

/** Two totals that differ by less than this are the same score (sums of rounded parts). */
export const SCORE_EPSILON = 1 / SCALE / 2;

export function roundPoints(x: number): number {
  // `+ 0` turns -0 into 0, so a clamped negative never prints as "-0".
  return Math.round(x * SCALE) / SCALE + 0;
}

/** A check's verdict, kept between 0 and its maximum and rounded. */
export function clampPoints(points: number, maxPoints: number): number {
  return roundPoints(Math.min(Math.max(points, 0), maxPoints));
}

export function maxScoreOf(checks: readonly { maxPoints: number }[]): number {
  return roundPoints(checks.reduce((sum, c) => sum + c.maxPoints, 0));
}

export function totalPoints(checks: readonly { points: number }[]): number {
  return roundPoints(checks.reduce((sum, c) => sum + c.points, 0));
}

/** Points and maxima summed by course objective, sorted by objective id. */
export function objectiveTotals(
  checks: readonly { points: number; maxPoints: number; objectives: readonly string[] }[],
): { id: string; points: number; maxPoints: number }[] {
  const totals = new Map<string, { points: number; maxPoints: number }>();
  for (const check of checks) {
    for (const objective of check.objectives) {
      const t = totals.get(objective) ?? { points: 0, maxPoints: 0 };
      t.points += check.points;
      t.maxPoints += check.maxPoints;
      totals.set(objective, t);
    }
  }
  return [...totals]
    .map(([id, t]) => ({ id, points: roundPoints(t.points), maxPoints: roundPoints(t.maxPoints) }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The score after taking `penaltyPercent` off, never below 0. */
export function penalisedScore(score: number, penaltyPercent: number): number {
  return roundPoints(Math.max(0, score * (1 - penaltyPercent / 100)));
}

export function sameScore(a: number, b: number): boolean {
  return Math.abs(a - b) < SCORE_EPSILON;
}

/** Points for people to read: at most two decimals, no trailing zeros ("1.5", "0.33", "2"). */
export function formatPoints(points: number): string {
  return String(Math.round(points * 100) / 100);
}
