/**
 * Check kinds a spec's `checks:` entry can name with `kind:` (beyond function entries):
 * `distribution`, and whatever other modules register (`model.accuracy`, ...). A kind
 * validates its own options (errors located in the spec file) and builds one Check whose
 * id and points are the entry's (see spec-schema.ts `kindEntryCheckId`).
 */
import type { z } from 'zod';
import type { Check } from '../grading/assignment.js';
import type { CaseValues } from './case-values.js';
import type { KeyPath, SpecSource } from './spec-file.js';

export interface CheckKindContext {
  source: SpecSource;
  /** Where the entry is in the spec, for errors. */
  path: KeyPath;
  /** The check id the entry must produce. */
  id: string;
  values: CaseValues;
}

export interface CheckKind<Options extends z.ZodType = z.ZodType> {
  kind: string;
  /** The entry's options (the whole entry, `kind` and `points` included). */
  options: Options;
  build(options: z.infer<Options>, ctx: CheckKindContext): Check;
}

const KINDS = new Map<string, CheckKind>();

export function registerCheckKind<Options extends z.ZodType>(kind: CheckKind<Options>): void {
  if (KINDS.has(kind.kind)) throw new Error(`check kind ${kind.kind} is registered twice`);
  KINDS.set(kind.kind, kind as unknown as CheckKind);
}

export function findCheckKind(kind: string): CheckKind | undefined {
  return KINDS.get(kind);
}

export function checkKindNames(): string[] {
  return [...KINDS.keys()].sort();
}
