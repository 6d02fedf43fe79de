/**
 * The assignment spec (`assignment.yaml`): one declarative file per assignment folder.
 * docs/assignment-spec.md describes every key with a worked example. This module holds the
 * schema only: it imports neither TensorFlow.js nor the checks, so the catalogue can be
 * listed from specs alone (see metadata.ts).
 */
import { z } from 'zod';

const Identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a Python identifier (letters, digits, _)');
const Points = z.number().nonnegative();
const Objectives = z.array(z.string().min(1)).optional();
const Nested = z.unknown().refine((v) => Array.isArray(v) || typeof v === 'number', 'a number or a (nested) list of numbers');

export const AssignmentIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lowercase letters, digits and dashes (2-63)');

const Shape = z.array(z.number().int().positive()).min(1).max(8);

/** Seeded random values. Without `seed`, a generator draws from the spec's `seed` stream in document order. */
const GeneratorFields = {
  shape: Shape,
  seed: z.number().int().optional(),
  /** Decimals the drawn values are rounded to (readable, exact in JSON). @defaultValue 4 */
  decimals: z.number().int().min(0).max(12).optional(),
  /** Multiplies every value after rounding (e.g. 100 for embeddings with large norms). */
  multiply: z.number().optional(),
};

export const GeneratorSchema = z.discriminatedUnion('generate', [
  z.strictObject({ generate: z.literal('normal'), mean: z.number().default(0), scale: z.number().positive().default(1), ...GeneratorFields }),
  z.strictObject({ generate: z.literal('uniform'), low: z.number().default(0), high: z.number().default(1), ...GeneratorFields }),
  /** 0/1 floats, 1 with probability p. */
  z.strictObject({ generate: z.literal('bernoulli'), p: z.number().min(0).max(1).default(0.5), ...GeneratorFields }),
  /** int64 class labels in [0, classes). */
  z.strictObject({ generate: z.literal('labels'), classes: z.number().int().positive(), shape: Shape, seed: z.number().int().optional() }),
]);
export type GeneratorSpec = z.infer<typeof GeneratorSchema>;

/**
 * One argument of a call: a bare (nested) list of numbers is a float64 array; the other
 * forms say their type. `{value: name}` reuses a named value of the spec's `values:`.
 */
export const ArgSchema = z.union([
  z.array(z.unknown()),
  z.strictObject({ float64: Nested }),
  z.strictObject({ int64: Nested }),
  z.strictObject({ int: z.number().int() }),
  z.strictObject({ float: z.number() }),
  z.strictObject({ value: Identifier, row: z.number().int().nonnegative().optional(), multiply: z.number().optional() }),
  GeneratorSchema,
]);
export type ArgSpec = z.infer<typeof ArgSchema>;

export const CaseSchema = z.strictObject({
  /** Shown to students: what kind of input this is, never the values. */
  label: z.string().min(1),
  args: z.array(ArgSchema),
});
export type CaseSpec = z.infer<typeof CaseSchema>;

const ToleranceSchema = z.strictObject({ rtol: z.number().nonnegative().optional(), atol: z.number().nonnegative().optional() });

export const StabilitySchema = z.strictObject({
  /** `softmax`: finite rows that sum to 1 on extreme logits; `loss`: a finite loss equal to the log-sum-exp reference. */
  probe: z.enum(['softmax', 'loss']),
  points: Points,
  /** Required for `loss`; `softmax` defaults to extreme-logit vectors. */
  cases: z.array(CaseSchema).optional(),
  hint: z.string().optional(),
  objectives: Objectives,
  title: z.string().optional(),
});

/** `<function>.reference` (and `<function>.stability` with `stability:`). */
export const FunctionEntrySchema = z.strictObject({
  kind: z.literal('function').optional(),
  function: Identifier,
  /** Other names accepted for the function; the feedback says which one the notebook used. */
  aliases: z.array(Identifier).optional(),
  /** Used in feedback. @defaultValue `<function>(...)` */
  signature: z.string().optional(),
  /** A reference function's name (see docs), or `solution`: the solution notebook's own function. */
  reference: z.string().min(1),
  arrayType: z.enum(['numpy', 'torch']).optional(),
  points: Points,
  objectives: Objectives,
  hint: z.string().optional(),
  title: z.string().optional(),
  visibility: z.enum(['visible', 'hidden']).optional(),
  tolerance: ToleranceSchema.optional(),
  cases: z.array(CaseSchema).min(1),
  stability: StabilitySchema.optional(),
});
export type FunctionEntry = z.infer<typeof FunctionEntrySchema>;

/**
 * Any other check kind from the check-kind registry (`distribution`, `model.accuracy`, ...):
 * `kind`, `points` and the kind's own options. Its check id is `id`, else
 * `<function>.<kind>` with `function:`, else the kind itself.
 */
export const KindEntrySchema = z.looseObject({
  kind: z.string().regex(/^[a-z][a-z0-9_.-]*$/).refine((k) => k !== 'function', 'kind: function is a function entry'),
  id: z.string().regex(/^[A-Za-z0-9_.-]+$/).optional(),
  function: Identifier.optional(),
  points: Points,
});
export type KindEntry = z.infer<typeof KindEntrySchema>;

export const NotebookChecksSchema = z.strictObject({
  narrative: Points.optional(),
  placeholders: Points.optional(),
  execution: Points.optional(),
  /** Objectives of the narrative check. @defaultValue [OG-Communication] */
  objectives: Objectives,
});

export const AssignmentSpecSchema = z.strictObject({
  id: AssignmentIdSchema,
  title: z.string().min(1),
  /** The starter notebook students receive, relative to the spec's folder. */
  starter: z.string().min(1).optional(),
  /** The instructor's solution notebook; needed for `reference: solution` and by `validate`. */
  solution: z.string().min(1).optional(),
  /** Seeds the generators that have no seed of their own. @defaultValue 1 */
  seed: z.number().int().optional(),
  execute: z.boolean().optional(),
  gpu: z.boolean().optional(),
  /**
   * Files the notebook reads (a training split), read-only: a path relative to the spec's
   * folder (copied in beside the notebook under its own name), or `{source, target}` to put
   * it where the starter expects it (`target` relative to the notebook). Never hidden data.
   */
  dataFiles: z.array(z.union([z.string().min(1), z.strictObject({ source: z.string().min(1), target: z.string().min(1).refine((t) => !t.startsWith('/') && !t.includes('\\') && !t.split('/').includes('..'), 'a path relative to the notebook, inside its folder') })])).optional(),
  dueAt: z.iso.datetime({ offset: true }).optional(),
  limits: z.strictObject({
    memoryMb: z.number().int().positive().optional(),
    cpus: z.number().positive().optional(),
    cellTimeoutS: z.number().positive().optional(),
    totalTimeoutS: z.number().positive().optional(),
    callTimeoutS: z.number().positive().optional(),
  }).optional(),
  notebook: NotebookChecksSchema.optional(),
  /** Named values drawn once and used by several cases (`{value: name}`), in document order. */
  values: z.record(Identifier, ArgSchema).optional(),
  checks: z.array(z.unknown()).default([]),
});
export type AssignmentSpec = z.infer<typeof AssignmentSpecSchema>;

export type CheckEntry = FunctionEntry | KindEntry;

/** Which schema an entry of `checks:` is read with. */
export function isFunctionEntry(entry: unknown): boolean {
  if (typeof entry !== 'object' || entry === null) return true;
  const kind = (entry as { kind?: unknown }).kind;
  return kind === undefined || kind === 'function';
}

/** The check ids and points a spec produces, in order: the contract the metadata loader and compiler share. */
export interface CheckOutline {
  id: string;
  maxPoints: number;
}

export function notebookCheckOutline(notebook: AssignmentSpec['notebook']): CheckOutline[] {
  if (!notebook) return [];
  return (['narrative', 'placeholders', 'execution'] as const)
    .filter((id) => notebook[id] !== undefined)
    .map((id) => ({ id, maxPoints: notebook[id]! }));
}

export function kindEntryCheckId(entry: KindEntry): string {
  return entry.id ?? (entry.function ? `${entry.function}.${entry.kind}` : entry.kind);
}

export function isFunctionCheck(entry: CheckEntry): entry is FunctionEntry {
  return entry.kind === undefined || entry.kind === 'function';
}
