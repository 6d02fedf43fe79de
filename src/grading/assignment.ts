/**
 * What an assignment is: a list of checks plus what the sandbox needs to run it.
 * Graders under graders/<id>/ export `defineAssignment({...})` as their default.
 */
import { z } from 'zod';
import type { SandboxLimits } from '../config.js';
import type { Notebook } from '../notebook/schema.js';
import type { CallResult, FunctionCall } from '../sandbox/protocol.js';
import type { SandboxFile, SandboxRun } from '../sandbox/sandbox.js';
import type { Visibility } from './report.js';

/** What the engine hands each check after the sandbox ran. */
export interface GradingContext {
  notebook: Notebook;
  /** The starter notebook students received, when the assignment ships one. */
  starter: Notebook | undefined;
  /** Undefined when the assignment executes nothing (`execute: false`). */
  run: SandboxRun | undefined;
  /** Results of the calls this check asked for, by call id. */
  calls: ReadonlyMap<string, CallResult>;
  /** The submission's other files (a zip's model files), for checks that read them outside the sandbox. */
  files?: readonly SandboxFile[];
}

/** A check's verdict; status is derived from points. */
export interface CheckVerdict {
  points: number;
  /** What happened and what to fix; never an expected value of a hidden case. */
  feedback: string;
  /** The cells (0-based indexes) the feedback is about, when the check knows them. */
  cells?: number[];
  /**
   * The feedback with what only instructors may read (an exception's message on hidden
   * inputs); absent when it would say nothing more than `feedback`.
   */
  instructorFeedback?: string;
  /**
   * For the instructor only: a platform problem the student was not charged for (the
   * sandbox lacks a library the starter imports). Collected into the report's `warnings`.
   */
  warnings?: string[];
}

export interface Check {
  /** The contract id: `narrative`, `softmax.reference`, `model.accuracy`, ... */
  id: string;
  title: string;
  maxPoints: number;
  visibility: Visibility;
  objectives: string[];
  /** Function calls this check needs the sandbox to make. Ids must start with `${id}#`. */
  calls(): FunctionCall[];
  grade(ctx: GradingContext): CheckVerdict | Promise<CheckVerdict>;
}

/** Options every check factory accepts. */
export interface CommonCheckOptions {
  points: number;
  title?: string;
  visibility?: Visibility;
  objectives?: string[];
}

export interface AssignmentDefinition {
  id: string;
  title: string;
  /** Absolute path of the starter notebook, when there is one. */
  starterPath?: string;
  /** Run the notebook in the sandbox. False for report-only assignments. @defaultValue true */
  execute: boolean;
  /** Runs only on GPU workers. @defaultValue false */
  gpu: boolean;
  /** Overrides of the sandbox limits for this assignment (e.g. longer cells for training). */
  limits: Partial<SandboxLimits>;
  /**
   * Files the notebook reads (a training split), copied in beside it; a submitted file of the
   * same path does not replace one. Hidden data never goes here: only what student code may read.
   */
  dataFiles?: SandboxFile[];
  checks: Check[];
  /** Submission deadline (ISO 8601), used by the service. */
  dueAt?: string;
}

const AssignmentIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lowercase letters, digits and dashes');

export function defineAssignment(
  input: Omit<AssignmentDefinition, 'execute' | 'gpu' | 'limits'> & Partial<Pick<AssignmentDefinition, 'execute' | 'gpu' | 'limits'>>,
): AssignmentDefinition {
  AssignmentIdSchema.parse(input.id);
  const seen = new Set<string>();
  for (const check of input.checks) {
    if (seen.has(check.id)) throw new Error(`assignment ${input.id}: duplicate check id ${check.id}`);
    seen.add(check.id);
    for (const call of check.calls()) {
      if (!call.id.startsWith(`${check.id}#`)) {
        throw new Error(`assignment ${input.id}: call ${call.id} of check ${check.id} must start with "${check.id}#"`);
      }
    }
  }
  return { execute: true, gpu: false, limits: {}, ...input };
}
