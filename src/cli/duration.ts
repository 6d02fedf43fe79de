/** Durations as people type them on a command line: `90m`, `12h`, `30d`, `8w`. */
import { UsageError } from '../errors.js';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDuration(text: string, option: string): number {
  const match = /^\s*(\d+)\s*([mhdw])\s*$/.exec(text);
  const amount = match ? Number(match[1]) : NaN;
  if (!match || !(amount > 0)) {
    throw new UsageError('BAD_DURATION', `${option} takes a whole number and a unit, m (minutes), h, d or w, e.g. 30d; not ${JSON.stringify(text)}`);
  }
  return amount * UNIT_MS[match[2]!]!;
}
