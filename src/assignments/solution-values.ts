/**
 * Expected values taken from the solution notebook's own functions (`reference: solution`):
 * the solution runs in the sandbox once, its return values are cached in the assignment
 * folder (`.autograder/solution-values.json`), keyed by a hash of the solution notebook and
 * the calls, and graded against like a reference's. A changed solution or case invalidates
 * the cache; `autograder validate DIR` (or grading with a sandbox at hand) refreshes it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { SandboxLimits } from '../config.js';
import { GraderError } from '../errors.js';
import type { Expected } from '../grading/compare.js';
import { decodeArray } from '../sandbox/arrays.js';
import { EncodedArraySchema, HARNESS_PROTOCOL_VERSION, type FunctionCall } from '../sandbox/protocol.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { SpecSource } from './spec-file.js';

const CacheSchema = z.object({ key: z.string(), values: z.record(z.string(), EncodedArraySchema) });

export class SolutionValues {
  private readonly calls: FunctionCall[] = [];
  private loaded: Map<string, Expected> | undefined;

  constructor(private readonly source: SpecSource) {}

  /** Registers the calls whose expected values come from the solution (at compile time). */
  add(calls: FunctionCall[]): void {
    this.calls.push(...calls);
  }

  get needed(): boolean {
    return this.calls.length > 0;
  }

  get cachePath(): string {
    return join(this.source.dir, '.autograder', 'solution-values.json');
  }

  private solutionPath(): string {
    const solution = this.source.spec.solution;
    if (!solution) throw this.source.errorAt(['solution'], '`reference: solution` needs the spec to name its solution notebook (solution: ...)');
    return this.source.resolvePath(solution);
  }

  /** What the cached values must have been computed from. */
  key(): string {
    const hash = createHash('sha256');
    hash.update(readFileSync(this.solutionPath()));
    hash.update(JSON.stringify(this.calls));
    return hash.digest('hex');
  }

  expected(callIds: readonly string[]): Expected[] {
    this.loaded ??= this.load();
    return callIds.map((id) => {
      const value = this.loaded!.get(id);
      if (!value) throw new GraderError('SOLUTION_VALUES_MISSING', `assignment ${this.source.spec.id}: the solution notebook gave no value for ${id}; run \`autograder validate ${this.source.dir}\` and fix the solution`);
      return value;
    });
  }

  private load(): Map<string, Expected> {
    let text: string;
    try {
      text = readFileSync(this.cachePath, 'utf8');
    } catch {
      throw this.stale('are not computed yet');
    }
    const cache = CacheSchema.safeParse(JSON.parse(text));
    if (!cache.success || cache.data.key !== this.key()) throw this.stale('are out of date (the solution or the cases changed)');
    return new Map(Object.entries(cache.data.values).map(([id, encoded]) => {
      const array = decodeArray(encoded);
      const kind = array.dtype.startsWith('float') ? 'float' : 'int';
      return [id, { shape: array.shape, values: array.values, kind }];
    }));
  }

  private stale(why: string): GraderError {
    return new GraderError('SOLUTION_VALUES_MISSING', `assignment ${this.source.spec.id}: the solution's expected values ${why}; run \`autograder validate ${this.source.dir}\` to compute them`);
  }

  /** Whether the cache matches the solution and calls as they are now. */
  isFresh(): boolean {
    try {
      this.loaded = this.load();
      return true;
    } catch {
      return false;
    }
  }

  /** Runs the solution in the sandbox and writes the cache; a solution call that fails is an instructor's error. */
  async compute(sandbox: Sandbox, limits: SandboxLimits): Promise<void> {
    const run = await sandbox.run({
      notebook: readFileSync(this.solutionPath()),
      files: [],
      gpu: false,
      request: {
        v: HARNESS_PROTOCOL_VERSION,
        notebook: 'solution.ipynb',
        calls: this.calls,
        limits: { cellTimeoutS: limits.cellTimeoutS, totalTimeoutS: limits.totalTimeoutS, callTimeoutS: limits.callTimeoutS, maxReturnBytes: limits.maxReturnBytes },
      },
    });
    if (run.outcome !== 'completed' || !run.response) {
      throw new GraderError('SOLUTION_RUN_FAILED', `assignment ${this.source.spec.id}: the solution notebook did not run to the end in the sandbox (${run.outcome}${run.detail ? `: ${run.detail}` : ''})`);
    }
    const values: Record<string, z.infer<typeof EncodedArraySchema>> = {};
    const problems: string[] = [];
    for (const result of run.response.calls) {
      if (result.status === 'ok') values[result.id] = result.value;
      else problems.push(`${result.id}: ${result.status}${'evalue' in result ? ` (${result.ename}: ${result.evalue})` : 'reason' in result ? ` (${result.reason})` : ''}`);
    }
    if (problems.length) {
      throw new GraderError('SOLUTION_RUN_FAILED', `assignment ${this.source.spec.id}: the solution's own functions failed on ${problems.length} case(s), so they cannot be the reference: ${problems.slice(0, 5).join('; ')}`);
    }
    mkdirSync(dirname(this.cachePath), { recursive: true });
    const temporary = `${this.cachePath}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ key: this.key(), values }));
    renameSync(temporary, this.cachePath);
    this.loaded = undefined;
  }
}
