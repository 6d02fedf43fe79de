/**
 * How a measured metric becomes points: the highest threshold reached, or a straight line
 * between two values. Thresholds come with the calibration they were set from.
 */
import { z } from 'zod';

export const PointsScaleSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('threshold'),
    /** Reaching `at` earns `fraction` of the points; the highest step reached counts. */
    steps: z.array(z.object({ at: z.number(), fraction: z.number().min(0).max(1) })).min(1),
  }),
  z.object({
    kind: z.literal('linear'),
    /** No points at (or beyond) this value ... */
    zeroAt: z.number(),
    /** ... full points at (or beyond) this one; for a loss, fullAt < zeroAt. */
    fullAt: z.number(),
  }),
]);
export type PointsScale = z.infer<typeof PointsScaleSchema>;

/** Where the thresholds came from, written beside them in the assignment. */
export const CalibrationSchema = z.object({
  /** The solution's measured value on the hidden set. */
  solution: z.number(),
  /** What else was measured and how the thresholds follow from it. */
  note: z.string().min(1),
});
export type Calibration = z.infer<typeof CalibrationSchema>;

export type Direction = 'higher-is-better' | 'lower-is-better';

export function fractionFor(scale: PointsScale, value: number, direction: Direction): number {
  if (scale.kind === 'linear') {
    if (scale.fullAt === scale.zeroAt) return reaches(value, scale.fullAt, direction) ? 1 : 0;
    return Math.min(1, Math.max(0, (value - scale.zeroAt) / (scale.fullAt - scale.zeroAt)));
  }
  let best = 0;
  for (const step of scale.steps) if (reaches(value, step.at, direction)) best = Math.max(best, step.fraction);
  return best;
}

function reaches(value: number, at: number, direction: Direction): boolean {
  return direction === 'higher-is-better' ? value >= at - 1e-12 : value <= at + 1e-12;
}

/** What full points need, for feedback: "at least 85.0%" or "at most 0.400 nats". */
export function fullMarksText(scale: PointsScale, direction: Direction, format: (x: number) => string): string {
  const word = direction === 'higher-is-better' ? 'at least' : 'at most';
  if (scale.kind === 'linear') return `${word} ${format(scale.fullAt)} (no points ${direction === 'higher-is-better' ? 'at or below' : 'at or above'} ${format(scale.zeroAt)})`;
  const full = scale.steps.filter((s) => s.fraction >= 1).map((s) => s.at);
  if (full.length === 0) return 'more than any step';
  const at = direction === 'higher-is-better' ? Math.min(...full) : Math.max(...full);
  return `${word} ${format(at)}`;
}
