/** Points shown to students: two decimals, so 2/3 of a point reads 0.67, not 0.6666666666666666. */
export function roundPoints(points: number): number {
  return Math.round(points * 100) / 100;
}

export function formatPoints(points: number): string {
  return String(roundPoints(points));
}
