/**
 * What the engine makes of the harness's own trouble, and where it asks the notebook to
 * be written: with a recording sandbox, no Python needed.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { defineAssignment } from '../../../src/grading/assignment.js';
import { execution } from '../../../src/grading/checks/execution.js';
import { gradeSubmission } from '../../../src/grading/engine.js';
import type { CellReport } from '../../../src/sandbox/protocol.js';
import type { Sandbox, SandboxJob } from '../../../src/sandbox/sandbox.js';

const limits = loadConfig({}).sandboxLimits;
const assignment = defineAssignment({ id: 'engine-harness', title: 'Engine harness', checks: [execution({ points: 1 })] });

/** A notebook saved after a clean Restart and Run All: its stored run costs nothing. */
const notebook = Buffer.from(
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: 'code', id: 'a', metadata: {}, execution_count: 1, outputs: [], source: 'x = 1' },
      { cell_type: 'code', id: 'b', metadata: {}, execution_count: 2, outputs: [], source: 'y = x + 1' },
    ],
  }),
);

function recordingSandbox(cells: CellReport[], harnessErrors: string[]): Sandbox & { jobs: SandboxJob[] } {
  const jobs: SandboxJob[] = [];
  return {
    kind: 'process',
    jobs,
    close: async () => undefined,
    run: async (job) => {
      jobs.push(job);
      return {
        outcome: 'completed',
        response: { v: 1, cells, kernelRestarts: 0, calls: [], totalTimeout: false, harnessErrors },
        exitCode: 0,
        stderrTail: '',
        wallMs: 5,
      };
    },
  };
}

describe('gradeSubmission and the harness', () => {
  it('puts harness errors in the report and fails the execution check when no code cell ran (it used to pass 1/1)', async () => {
    const sandbox = recordingSandbox([], ["NotJSONError: Notebook does not appear to be JSON: '{\\n \"cells\"...'"]);
    const report = await gradeSubmission({ assignment, notebook: { name: 'hw.ipynb', bytes: notebook }, sandbox, limits });
    expect(report.errors).toEqual([expect.stringMatching(/^Grader harness: NotJSONError: Notebook does not appear to be JSON/)]);
    const check = report.checks.find((c) => c.id === 'execution')!;
    expect(check).toMatchObject({ points: 0, status: 'failed' });
    expect(check.feedback).toMatch(/ran 0 of the notebook's 2 code cells/);
    expect(report.score).toBe(0);
  });

  it('fails the execution check when fewer cells ran than the notebook has, even without a harness error', async () => {
    const sandbox = recordingSandbox([{ index: 0, status: 'ok', ms: 1 }], []);
    const report = await gradeSubmission({ assignment, notebook: { name: 'hw.ipynb', bytes: notebook }, sandbox, limits });
    expect(report.checks[0]).toMatchObject({ points: 0 });
    expect(report.errors).toEqual([]);
  });

  it('still gives full points when every code cell ran cleanly', async () => {
    const sandbox = recordingSandbox([{ index: 0, status: 'ok', ms: 1 }, { index: 1, status: 'ok', ms: 1 }], []);
    const report = await gradeSubmission({ assignment, notebook: { name: 'hw.ipynb', bytes: notebook }, sandbox, limits });
    expect(report.checks[0]).toMatchObject({ points: 1, status: 'passed' });
  });

  it("asks the sandbox to write the notebook at its own path in the upload, not always submission.ipynb", async () => {
    const cells: CellReport[] = [{ index: 0, status: 'ok', ms: 1 }, { index: 1, status: 'ok', ms: 1 }];
    const inZip = recordingSandbox(cells, []);
    await gradeSubmission({
      assignment,
      notebook: { name: 'lab.ipynb', path: 'work/lab.ipynb', bytes: notebook },
      files: [{ path: 'submission.ipynb/notes.txt', data: Buffer.from('hi') }],
      sandbox: inZip,
      limits,
    });
    expect(inZip.jobs[0]!.request.notebook).toBe('work/lab.ipynb');
    const bare = recordingSandbox(cells, []);
    await gradeSubmission({ assignment, notebook: { name: 'hw.ipynb', bytes: notebook }, sandbox: bare, limits });
    expect(bare.jobs[0]!.request.notebook).toBe('submission.ipynb');
  });
});
