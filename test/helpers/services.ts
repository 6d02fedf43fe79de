/**
 * Whether a real service is there. Under CI=true a missing service fails the suite;
 * elsewhere the suite is skipped with the reason printed.
 */
export const inCI = process.env.CI === 'true' || process.env.CI === '1';

export function requireService(name: string, available: boolean, why: string): boolean {
  if (available) return true;
  if (inCI) throw new Error(`${name} is required in CI but unavailable: ${why}`);
  console.warn(`[skip] ${name} unavailable: ${why}`);
  return false;
}
