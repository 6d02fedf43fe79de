import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { findPackageRoot } from '../../src/package-root.js';

export const ExpectedSchema = z.record(z.string(), z.object({
  description: z.string(),
  checks: z.record(z.string(), z.enum(['passed', 'partial', 'failed'])),
  minScoreFraction: z.number().optional(),
  maxScoreFraction: z.number().optional(),
}));

export interface ExampleCase {
  assignment: string;
  file: string;
  path: string;
  expected: z.infer<typeof ExpectedSchema>[string];
}

/** Every example submission of every assignment, with the verdict its name promises. */
export function exampleCases(): ExampleCase[] {
  const graders = join(findPackageRoot(), 'graders');
  const cases: ExampleCase[] = [];
  for (const id of readdirSync(graders).filter((d) => /^u\d\d-/.test(d)).sort()) {
    const file = join(graders, id, 'examples', 'expected.json');
    if (!existsSync(file)) continue;
    const expected = ExpectedSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    for (const [name, exp] of Object.entries(expected)) {
      cases.push({ assignment: id, file: name, path: join(graders, id, 'examples', name), expected: exp });
    }
  }
  return cases;
}
