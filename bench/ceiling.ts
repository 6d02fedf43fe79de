/**
 * The machine's grading ceiling, shared by the service and regrade benchmarks: gradeUpload
 * (unpack + grade) in this process, `concurrency` at a time (the service's worker count), on
 * the sandbox a worker makes (same warm pool); notebooks/s over `jobs` uploads after one
 * untimed warm-up round.
 */
import type { Config } from '../src/config.js';
import type { AssignmentDefinition } from '../src/grading/assignment.js';
import { gradeUpload } from '../src/grading/grade-upload.js';
import type { GradeReport } from '../src/grading/report.js';
import type { Logger } from '../src/logger.js';
import { createSandbox } from '../src/sandbox/select.js';

export interface CeilingInput {
  config: Config;
  logger: Logger;
  assignment: AssignmentDefinition;
  /** Graded in turn, round robin. */
  uploads: ReadonlyArray<{ name: string; bytes: Buffer }>;
  concurrency: number;
  jobs: number;
  /** Throws when a report is not what the bench expects of its upload. */
  check?: (report: GradeReport) => void;
}

export async function gradingCeiling(input: CeilingInput): Promise<number> {
  const { config, logger, assignment, uploads, concurrency, jobs, check } = input;
  const sandbox = await createSandbox(config, logger, { workerId: `${config.workerId}-ceiling`, defaultPoolSize: concurrency });
  try {
    let next = 0;
    const once = async (file: { name: string; bytes: Buffer }) => {
      const { report } = await gradeUpload({ assignment, file, sandbox, limits: config.sandboxLimits });
      check?.(report);
    };
    await Promise.all(Array.from({ length: concurrency }, () => once(uploads[0]!)));
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < jobs) await once(uploads[next++ % uploads.length]!);
      }),
    );
    return jobs / ((performance.now() - t0) / 1000);
  } finally {
    await sandbox.close();
  }
}

/** Two aligned columns, for a bench's summary on stdout. */
export function table(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
