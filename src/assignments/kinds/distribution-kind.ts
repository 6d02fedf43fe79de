/**
 * `kind: distribution`: a sampling function `fn(logits, t, n, seed)` tested statistically
 * against a reference distribution (src/grading/checks/distribution.ts).
 */
import { z } from 'zod';
import { distribution } from '../../grading/checks/distribution.js';
import { findReference } from '../../grading/reference-registry.js';
import type { CheckKind } from '../check-kinds.js';

const Options = z.strictObject({
  kind: z.literal('distribution'),
  id: z.string().optional(),
  function: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  signature: z.string().optional(),
  /** A reference over (logits, temperature) giving probabilities, e.g. temperature_softmax. */
  reference: z.string(),
  alpha: z.number().positive().max(0.5).optional(),
  points: z.number().nonnegative(),
  objectives: z.array(z.string()).optional(),
  title: z.string().optional(),
  cases: z.array(z.strictObject({
    label: z.string().min(1),
    logits: z.array(z.number()).min(2),
    temperature: z.number().positive(),
    n: z.number().int().positive(),
    seed: z.number().int(),
  })).min(1),
});

export const distributionKind: CheckKind<typeof Options> = {
  kind: 'distribution',
  options: Options,
  build(options, ctx) {
    const reference = findReference(options.reference);
    if (!reference) throw ctx.source.errorAt([...ctx.path, 'reference'], `unknown reference "${options.reference}"`);
    const probabilities = reference as unknown as Parameters<typeof distribution>[1]['probabilities'];
    return distribution(options.function, {
      signature: options.signature ?? `${options.function}(logits, t, n, seed)`,
      probabilities,
      cases: options.cases,
      points: options.points,
      ...(options.alpha !== undefined ? { alpha: options.alpha } : {}),
      ...(options.objectives ? { objectives: options.objectives } : {}),
      ...(options.title ? { title: options.title } : {}),
    });
  },
};
